// The simulator launcher: a missing Go toolchain fails with the command that installs it (never
// a silent skip), and a stopped simulator leaves no process and no folder behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildVsphereSimulator, startVsphereSimulator } from '../stand-ins/vsphere-simulator.js';

test('without go on the PATH the build fails and says how to install it', async () => {
  const emptyFolder = await mkdtemp(join(tmpdir(), 'vlm-no-go-'));
  const path = process.env.PATH;
  process.env.PATH = emptyFolder;
  try {
    await assert.rejects(buildVsphereSimulator(), /The Go toolchain \(go\) is missing\. .*node scripts\/system-packages\.mjs vsphere/);
  } finally {
    process.env.PATH = path;
    await rm(emptyFolder, { recursive: true });
  }
});

test('two simulators start side by side from one build and both stop clean', async () => {
  const [first, second] = await Promise.all([startVsphereSimulator(), startVsphereSimulator({ tls: true })]);
  assert.notEqual(first.url, second.url);
  assert.ok(second.caFile && existsSync(second.caFile));
  assert.ok(first.folder !== second.folder);
  assert.deepEqual(await first.stop(), []);
  assert.deepEqual(await second.stop(), []);
  for (const simulator of [first, second]) {
    assert.equal(existsSync(simulator.folder), false);
    assert.throws(() => process.kill(simulator.pid, 0), { code: 'ESRCH' });
  }
});
