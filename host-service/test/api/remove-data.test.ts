// `vlm-host --remove-data` as an administrator runs it, against libvirt's test driver on a
// private bus: it removes a data directory and its storage pool, and refuses, removing nothing,
// while a vlm-host uses the directory, while a lab is recorded, or when the folder is not one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabsApplyRequest, LabsDestroyRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildVolumeXml } from '../../src/libvirt/volume-xml';
import { poolIsDefined, startPoolOf } from '../support/volume-pools';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';

let fixture: HostFixture;
const lab: Lab = { name: 'rm-lab', vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };

/** Runs `vlm-host --remove-data` on `dataDirectory` as a process; resolves with how it ended. */
async function removeData(dataDirectory: string, ...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [fixture.bundle, '--remove-data', '--data-dir', dataDirectory, '--libvirt', 'test', '--bus-address', fixture.busAddress, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

before(async () => {
  fixture = await startHostFixture({ name: 'remove-data', startHost: false });
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm-host --remove-data: a data directory in use or recording a lab', () => {
  test('refuses while a vlm-host runs on it and while it records a lab; removes directory and pool once the lab is destroyed', async () => {
    const dataDirectory = fixture.dataDirectory;
    const host = await fixture.startHost();
    try {
      const client = await fixture.connect(host.socketPath);
      await client.sendRequest(LabsApplyRequest.type, { lab });
      client.close();
      assert.equal(await poolIsDefined(fixture.hypervisor, dataDirectory), true);

      const running = await removeData(dataDirectory);
      assert.equal(running.code, anotherServiceExitCode);
      assert.match(running.stderr, new RegExp(`^vlm-host: Another vlm-host \\(pid ${host.pid}\\) is using the data directory`));
    } finally {
      assert.equal(await host.stop(), 0);
    }

    const recorded = await removeData(dataDirectory);
    assert.equal(recorded.code, 1);
    assert.match(
      recorded.stderr,
      /still records the lab rm-lab\. Destroy it first \(vlm lab down NAME, with this vlm-host running\), then remove the data directory\. Nothing was removed\./,
    );
    assert.ok(existsSync(join(dataDirectory, 'state.json')));
    assert.equal(await poolIsDefined(fixture.hypervisor, dataDirectory), true);

    // Destroying the last lab removes the pool by itself; a leftover volume keeps it, and
    // --remove-data then takes both.
    const again = await fixture.startHost();
    try {
      const client = await fixture.connect(again.socketPath);
      await client.sendRequest(LabsDestroyRequest.type, { name: 'rm-lab' });
      client.close();
      assert.equal(await poolIsDefined(fixture.hypervisor, dataDirectory), false);
      assert.match(
        again.stderr,
        new RegExp(`Removed the storage pool ${volumePoolFor(dataDirectory)}: its last lab, rm-lab, is destroyed\\.`),
      );
    } finally {
      assert.equal(await again.stop(), 0);
    }
    const pool = await startPoolOf(fixture.hypervisor, dataDirectory);
    await fixture.hypervisor.createVolume(pool, buildVolumeXml({ name: 'stray.qcow2', capacityBytes: 1024 ** 2 }));

    const removed = await removeData(dataDirectory);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `Removed storage pool ${pool} and data directory ${dataDirectory}.\n`);
    assert.equal(existsSync(dataDirectory), false);
    assert.equal(await poolIsDefined(fixture.hypervisor, dataDirectory), false);

    const nothing = await removeData(dataDirectory);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.equal(nothing.stdout, `Nothing to remove: ${dataDirectory} and its storage pool do not exist.\n`);
  });
});

describe('vlm-host --remove-data: folders gone, foreign or in use, and serving options', () => {
  test('removes the pool of a data directory whose folder is already gone', async () => {
    const gone = join(fixture.folder, 'gone');
    await startPoolOf(fixture.hypervisor, gone);
    await rm(gone, { recursive: true, force: true });
    const result = await removeData(gone);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Removed storage pool ${volumePoolFor(gone)}.\n`);
    assert.equal(await poolIsDefined(fixture.hypervisor, gone), false);
  });

  test('refuses a folder that is not a data directory, and one whose files a domain still uses', async () => {
    const notData = join(fixture.folder, 'documents');
    await mkdir(notData);
    await writeFile(join(notData, 'thesis.txt'), 'years of work');
    const refused = await removeData(notData);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `vlm-host: ${notData} holds no state.json, so it is not a vlm-host data directory: nothing was removed.\n`,
    );
    assert.deepEqual(await readdir(notData), ['thesis.txt']);

    const used = join(fixture.folder, 'used');
    const host = await fixture.startHost({ socketPath: join(fixture.folder, 'used.sock'), dataDirectory: used });
    assert.equal(await host.stop(), 0, `vlm-host ended with ${JSON.stringify(await host.exited)}: ${host.stderr}`);
    await fixture.hypervisor.defineDomain(
      buildDomainXml({ name: 'rm-user', type: 'qemu', vcpu: 1, memoryMiB: 64, disk: { path: join(used, 'pool', 'x.qcow2') } }),
    );
    try {
      const inUse = await removeData(used);
      assert.equal(inUse.code, 1);
      assert.match(
        inUse.stderr,
        new RegExp(`libvirt domain\\(s\\) rm-user use files of ${used}, though no lab records them\\..*Nothing was removed\\.`),
      );
      assert.ok(existsSync(join(used, 'state.json')));
    } finally {
      await fixture.hypervisor.undefine('rm-user');
    }
    assert.equal((await removeData(used)).code, 0);
    assert.equal(existsSync(used), false);
  });

  test('refuses serving options with --remove-data', async () => {
    const result = await removeData(join(fixture.folder, 'data'), '--socket', join(fixture.folder, 'x.sock'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^vlm-host: --remove-data serves nothing: --socket does not apply\./);
  });
});
