// vlm-host refusing to start, as a process: each refusal says why, exits non-zero, and leaves
// the data directory as it found it (no lock left behind, the state file untouched).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHostBundle } from './host-process';

let work: string;
let bundle: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'vlm-host-startup-'));
  bundle = await buildHostBundle(work);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

function runHost(...args: string[]): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stderr: result.stderr };
}

const noBus = 'unix:path=/nonexistent/vlm-test-bus';

// More of --listen (TLS, tokens) in test/listen/.
test('--listen on a non-loopback address is refused without --allow-remote, saying why', () => {
  const { code, stderr } = runHost('--listen', '0.0.0.0:7000');
  assert.equal(code, 1);
  assert.match(stderr, /--listen 0\.0\.0\.0:7000 would accept connections from other machines.*--allow-remote/);
});

test('unknown arguments and bad values are named', () => {
  assert.match(runHost('--sockets', 'x').stderr, /Unknown argument "--sockets"/);
  assert.match(runHost('--libvirt', 'xen').stderr, /--libvirt must be 'test' or 'qemu', not "xen"/);
  assert.match(runHost('--socket').stderr, /--socket needs a value/);
  assert.equal(runHost('--socket', 'a', '--socket', 'b').code, 2);
});

test('a corrupt or newer state file is refused and left untouched', async () => {
  for (const [name, contents, message] of [
    ['corrupt', '{"schema_version": 1, "labs": ', /state\.json is corrupt/],
    ['newer', JSON.stringify({ schema_version: 3, labs: {} }), /schema_version 3, written by a newer vlm-host/],
  ] as const) {
    const dataDirectory = join(work, name);
    await mkdir(dataDirectory);
    await writeFile(join(dataDirectory, 'state.json'), contents);
    const { code, stderr } = runHost(
      '--socket',
      join(work, `${name}.sock`),
      '--data-dir',
      dataDirectory,
      '--libvirt',
      'test',
      '--bus-address',
      noBus,
    );
    assert.equal(code, 1);
    assert.match(stderr, message);
    assert.equal(await readFile(join(dataDirectory, 'state.json'), 'utf8'), contents);
    assert.deepEqual(await readdir(dataDirectory), ['state.json'], 'no lock or temporary file left');
  }
});

test('an unreachable libvirt-dbus is named, and the data directory is released', async () => {
  const dataDirectory = join(work, 'no-libvirt');
  const { code, stderr } = runHost(
    '--socket',
    join(work, 'x.sock'),
    '--data-dir',
    dataDirectory,
    '--libvirt',
    'test',
    '--bus-address',
    noBus,
  );
  assert.equal(code, 1);
  assert.match(stderr, /Cannot connect to D-Bus at unix:path=\/nonexistent\/vlm-test-bus/);
  assert.deepEqual(await readdir(dataDirectory), ['state.json']);
});
