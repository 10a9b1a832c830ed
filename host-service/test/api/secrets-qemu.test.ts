// Secrets on a real host, with one vlm-tiny VM on qemu:///system beside a real vlm-host: its
// seed (cloud-init user data with a password), serial log and VNC password are the service's and
// QEMU's only; its VNC display is on 127.0.0.1 and wants its password; console
// writes to it while it is paused answer within their deadline, saying so. Other local users are
// played by `nobody` through setpriv.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsoleOutputNotification,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  consoleWriteDeadlineMs,
  HostErrorCode,
  HostInfoRequest,
  VmsVncCredentialsRequest,
} from '@vlm/schemas/src/host-protocol';
import { VncPasswords } from '../../src/deploy/vnc-passwords';
import { ensureDataFolder } from '../../src/state/data-directory-modes';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildImage, directBootDomainXml, freePort } from '../images/tiny-guest';
import { requireCommand } from '../../local-libvirt/require-command';
import { authenticateVnc, vncChallengeResponse } from '../support/vnc-client';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

/** Runs `command` as nobody, in no extra group: what any other local user could do. */
function asNobody(...command: string[]): { code: number | null; output: string } {
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...command], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function virsh(...args: string[]): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `virsh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Local addresses (hex, as /proc/net/tcp writes them) listening on `port`. */
async function listenersOn(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] === '0A' && portHex !== undefined && Number.parseInt(portHex, 16) === port) found.push(address as string);
    }
  }
  return found;
}

let fixture: HostFixture;
let seed: string;
let serialLog: string;
const domain = `secrets-${randomBytes(3).toString('hex')}-box`;
const canary = `canary-${randomBytes(8).toString('hex')}`;

/** Defines and boots the VM; resolves once its shell has started. */
async function bootBox(): Promise<void> {
  const { dataDirectory, hypervisor } = fixture;
  const image = await buildImage();
  // The VM as the deploy engine makes one (seed, serial log and VNC password in the data
  // directory, by the same code), with the kernel booted directly: no disk to wait for.
  seed = join(await ensureDataFolder(dataDirectory, 'pool'), `${domain}.seed.iso`);
  await writeNoCloudSeed(seed, {
    instanceId: `${domain}-1`,
    hostname: 'box',
    sshAuthorizedKeys: [],
    userData: `#cloud-config\npassword: ${canary}\nchpasswd: { expire: false }\n`,
  });
  serialLog = join(await ensureDataFolder(dataDirectory, 'logs'), `${domain}.log`);
  const vncPassword = await new VncPasswords(dataDirectory).create(domain);
  await hypervisor.defineDomain(
    directBootDomainXml(domain, image, {
      cdrom: seed,
      cdromBus: 'ide',
      serialLogPath: serialLog,
      vncPort: await freePort(),
      vncPassword,
    }),
  );
  await hypervisor.start(domain);
  // The guest's init read its hostname and key from the seed: QEMU read the seed and the kernel.
  let booted = '';
  const shellStarted = async () => {
    booted = await readFile(serialLog, 'utf8').catch(() => '');
    return /ready: hostname box/.test(booted);
  };
  await waitUntil('the guest to read its seed and start its shell', shellStarted, 300_000, 500).catch((error: Error) => {
    throw new Error(`${error.message}; its serial log ends with: ${JSON.stringify(booted.slice(-1500))}`);
  });
  assert.match(booted, /seed found on \/dev\/sr0\r?\nvlm-tiny: hostname box,/);
}

before(
  async () => {
    requireCommand('setpriv', 'util-linux');
    requireCommand('virsh', 'libvirt-clients');
    // QEMU's user passes through to the data directory; what it (and nobody) may do inside is the test.
    fixture = await startHostFixture({ name: 'secrets-qemu', driver: 'qemu', folderMode: 0o711, leftovers: { domains: [domain] } });
    await bootBox();
  },
  { timeout: 900_000 },
);

after(async () => {
  await fixture?.dispose();
});

describe('secrets of a VM on qemu:///system: files', { timeout: 900_000 }, () => {
  test('seed, serial log, VNC password and state are the service’s and QEMU’s alone; the guest still booted from them', async () => {
    assert.ok((await readFile(seed)).includes(canary), 'the seed holds the user data');
    const logs = join(fixture.dataDirectory, 'logs');
    const vncPassword = join(fixture.dataDirectory, 'vnc', domain);
    const qemuUid = Number(spawnSync('id', ['-u', 'libvirt-qemu'], { encoding: 'utf8' }).stdout.trim());

    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    assert.deepEqual(
      {
        data: await mode(fixture.dataDirectory),
        pool: await mode(join(fixture.dataDirectory, 'pool')),
        logs: await mode(logs),
        vnc: await mode(join(fixture.dataDirectory, 'vnc')),
      },
      { data: 0o711, pool: 0o711, logs: 0o700, vnc: 0o700 },
    );
    for (const path of [seed, serialLog, vncPassword, join(fixture.dataDirectory, 'state.json')]) {
      const info = await stat(path);
      assert.equal(info.mode & 0o077, 0, `${path} is mode ${(info.mode & 0o777).toString(8)}`);
      // libvirt hands the seed to QEMU's user while the VM runs.
      assert.ok(info.uid === 0 || info.uid === qemuUid, `${path} belongs to uid ${info.uid}`);
    }
    assert.equal((await stat(seed)).uid, qemuUid, 'libvirt gave the seed to QEMU');

    for (const path of [seed, serialLog, vncPassword, join(fixture.dataDirectory, 'state.json')]) {
      const read = asNobody('cat', path);
      assert.notEqual(read.code, 0, `nobody read ${path}`);
      assert.match(read.output, /Permission denied/);
    }
    for (const folder of [fixture.dataDirectory, join(fixture.dataDirectory, 'pool'), logs, join(fixture.dataDirectory, 'vnc')]) {
      const listed = asNobody('ls', folder);
      assert.notEqual(listed.code, 0, `nobody listed ${folder}: ${listed.output}`);
      assert.match(listed.output, /Permission denied/);
    }
  });
});

describe('secrets of a VM on qemu:///system: VNC', { timeout: 900_000 }, () => {
  test('VNC listens on 127.0.0.1 only, with the password from vncCredentials: a wrong one is refused, the right one accepted', async () => {
    // The DES step itself, on the classic test vector (key 133457799BBCDFF1 is the bit-reversed password).
    const password = Buffer.from(
      [...Buffer.from('133457799BBCDFF1', 'hex')].map((byte) =>
        Number.parseInt(byte.toString(2).padStart(8, '0').split('').reverse().join(''), 2),
      ),
    );
    assert.equal(
      vncChallengeResponse(Buffer.from('0123456789ABCDEF0123456789ABCDEF', 'hex'), password.toString('latin1')).toString('hex'),
      '85e813540f0ab405'.repeat(2),
    );

    const credentials = await fixture.client.sendRequest(VmsVncCredentialsRequest.type, { vm: domain });
    assert.equal(credentials.host, '127.0.0.1');
    assert.match(credentials.password, /^[A-Za-z0-9]{8}$/);
    assert.equal((await readFile(join(fixture.dataDirectory, 'vnc', domain), 'utf8')).trim(), credentials.password);
    assert.match(
      virsh('dumpxml', '--security-info', domain),
      new RegExp(`<graphics type='vnc' port='${credentials.port}' autoport='no' listen='127\\.0\\.0\\.1' passwd='${credentials.password}'`),
    );
    assert.doesNotMatch(virsh('dumpxml', domain), /passwd=/, 'libvirt shows the password only with --security-info');
    assert.deepEqual(await listenersOn(credentials.port), ['0100007F']);

    const wrong = `${credentials.password.slice(0, 7)}${credentials.password.endsWith('x') ? 'y' : 'x'}`;
    const refused = await authenticateVnc(credentials.port, wrong);
    assert.deepEqual(refused.offered, [2], 'VNC authentication is the only way in');
    assert.equal(refused.accepted, false);
    assert.equal((await authenticateVnc(credentials.port, credentials.password)).accepted, true);

    await rejectsWithHostError(
      fixture.client.sendRequest(VmsVncCredentialsRequest.type, { vm: 'vlm-no-such-vm' }),
      HostErrorCode.NotFound,
      { field: '/vm', message: /There is no VM named "vlm-no-such-vm"/ },
    );
    await rejectsWithHostError(
      fixture.client.sendRequest(VmsVncCredentialsRequest.type, { vm: '../state.json' }),
      HostErrorCode.InvalidParams,
      { field: '/vm' },
    );
  });
});

describe('secrets of a VM on qemu:///system: console writes while paused', { timeout: 900_000 }, () => {
  test('writes to the consoles of a paused VM answer within their deadline naming the pause; past 256 KiB waiting they are refused; after resume they work', async () => {
    let output = '';
    fixture.client.onNotification(ConsoleOutputNotification.type, ({ data }) => (output += data));
    const consoles: string[] = [];
    for (let index = 0; index < 5; index += 1)
      consoles.push((await fixture.client.sendRequest(ConsolesOpenRequest.type, { vm: domain })).consoleId);
    await fixture.hypervisor.suspend(domain);
    try {
      // A comment line, harmless when the guest reads it after the resume.
      const data = '#'.repeat(60 * 1024);
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          fixture.client.sendRequest(ConsolesWriteRequest.type, { consoleId: consoles[index % 5] as string, data }).then(
            () => ({ error: undefined, seconds: (Date.now() - started) / 1000 }),
            (error: Error) => ({ error, seconds: (Date.now() - started) / 1000 }),
          ),
        ).concat(
          // Other requests still answer meanwhile.
          [fixture.client.sendRequest(HostInfoRequest.type, {}).then(() => ({ error: undefined, seconds: (Date.now() - started) / 1000 }))],
        ),
      );
      const info = answers.pop();
      assert.equal(info?.error, undefined);
      for (const answer of answers) {
        assert.match(
          answer.error?.message ?? 'written',
          new RegExp(
            `^\\d+ of 61440 bytes reached the console of ${domain} within ${consoleWriteDeadlineMs / 1000} s: ` +
              `VM "${domain}" is paused: its console takes no input until it is resumed\\. The rest was dropped\\.$`,
          ),
        );
        // The deadline, and slack for a machine shared by many test runs.
        assert.ok(answer.seconds < consoleWriteDeadlineMs / 1000 + 10, `answered after ${answer.seconds} s`);
      }

      // Five writes of 60 KiB at once on one console: the fifth would make more than 256 KiB wait.
      const queued = await Promise.allSettled(
        Array.from({ length: 5 }, () => fixture.client.sendRequest(ConsolesWriteRequest.type, { consoleId: consoles[0] as string, data })),
      );
      const refusals = queued
        .filter((result) => result.status === 'rejected')
        .map((result) => ((result as PromiseRejectedResult).reason as Error).message);
      assert.equal(refusals.length, 5, 'none is written while the VM is paused');
      assert.equal(
        refusals.filter((message) =>
          message.startsWith(
            `The console of ${domain} already has 245760 bytes waiting to be written, and at most 262144 may wait: VM "${domain}" is paused`,
          ),
        ).length,
        1,
        refusals.join('\n'),
      );
    } finally {
      await fixture.hypervisor.resume(domain);
    }
    const written = await fixture.client.sendRequest(ConsolesWriteRequest.type, {
      consoleId: consoles[1] as string,
      data: '\recho resumed-$((6*7))\r',
    });
    assert.equal(written.written, '\recho resumed-$((6*7))\r'.length);
    await waitUntil('the guest to answer after the resume', () => /resumed-42/.test(output.replace('resumed-$((6*7))', '')), 120_000);
  });
});
