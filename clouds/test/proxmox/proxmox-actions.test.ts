// Power actions on the Proxmox stand-in through the real client: each returns a UPID at once,
// and following it moves the row through its states to where the task left the guest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CloudError, isCloudError } from '../../src/cloud-errors.js';
import type { CloudInstance } from '../../src/cloud-provider.js';
import { type ProxmoxStandIn, startProxmoxStandIn } from '../stand-ins/proxmox-server.js';
import { makeProvider, seen } from './proxmox-fixture.js';

let standIn: ProxmoxStandIn;

before(async () => {
  standIn = await startProxmoxStandIn();
});

after(async () => {
  await standIn?.close();
});

function rejectsWith(kind: CloudError['kind']) {
  return (error: unknown) => {
    assert.ok(isCloudError(error), `expected a CloudError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.describe());
    return true;
  };
}

describe('Proxmox power actions', { timeout: 60_000 }, () => {
  test('stop returns a UPID at once, and following it reports stopping, then stopped', async () => {
    const provider = makeProvider(standIn);
    try {
      const operation = await provider.runAction('pve1', '100', 'stop');
      assert.match(operation.handle, /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmshutdown:100:root@pam!vlm:$/);
      assert.equal(standIn.cluster.vms.get(100)?.status, 'running', 'the action returned before the task ended');
      const states: string[] = [];
      const settled = await provider.followOperation(operation, { onInstance: (instance: CloudInstance) => states.push(instance.state) });
      assert.deepEqual(states, ['stopping', 'stopped']);
      assert.equal(settled.state, 'stopped');
      assert.deepEqual(settled.actions, ['start', 'delete']);
      assert.equal(standIn.cluster.vms.get(100)?.status, 'stopped');
      const polls = seen(standIn).filter((line) => line.startsWith('GET /nodes/pve1/tasks/'));
      assert.equal(polls.length, 3, 'two polls while running, one that saw it stop');
    } finally {
      provider.dispose();
    }
  });

  test('start of a running VM is refused before anything is sent', async () => {
    const provider = makeProvider(standIn);
    try {
      const before = standIn.requests.length;
      await assert.rejects(provider.runAction('pve2', '200', 'start'), (error: unknown) => {
        rejectsWith('wrongState')(error);
        assert.match((error as CloudError).describe(), /build \(200\) is running; start does not apply.*stop, forceStop, reboot/);
        return true;
      });
      assert.deepEqual(seen(standIn).slice(before), ['GET /nodes/pve2/qemu/200/status/current']);
    } finally {
      provider.dispose();
    }
  });

  test('a task that ends in error rejects with its exit status and the UPID to look up', async () => {
    const provider = makeProvider(standIn);
    try {
      const failure = "can't lock file '/var/lock/qemu-server/lock-200.conf' - got timeout";
      standIn.cluster.failingTasks.set(200, failure);
      const operation = await provider.runAction('pve2', '200', 'reboot');
      const states: string[] = [];
      await assert.rejects(
        provider.followOperation(operation, { onInstance: (instance) => states.push(instance.state) }),
        (error: unknown) => {
          rejectsWith('wrongState')(error);
          const cloudError = error as CloudError;
          assert.equal(cloudError.details.code, failure);
          assert.match(cloudError.message, /reboot of VM 200 on pve2 failed: can't lock file/);
          assert.ok(cloudError.details.hint?.includes(operation.handle));
          return true;
        },
      );
      assert.equal(standIn.cluster.vms.get(200)?.status, 'running');
      assert.deepEqual(states, ['rebooting', 'running'], 'the row shows the state the failed task left');
      await assert.rejects(provider.runAction('pve2', '200', 'toString' as 'stop'), rejectsWith('invalidInput'));
    } finally {
      provider.dispose();
    }
  });

  test('force stop, then delete: the row ends terminated and the guest is gone', async () => {
    const provider = makeProvider(standIn);
    try {
      await assert.rejects(provider.runAction('pve2', '200', 'delete'), rejectsWith('wrongState'));
      const stop = await provider.runAction('pve2', '200', 'forceStop');
      assert.match(stop.handle, /:qmstop:200:/);
      assert.equal((await provider.followOperation(stop)).state, 'stopped');
      const states: string[] = [];
      const removal = await provider.runAction('pve2', '200', 'delete');
      assert.match(removal.handle, /:qmdestroy:200:/);
      const deletion = standIn.requests.find((request) => request.method === 'DELETE');
      assert.deepEqual([deletion?.path, deletion?.query], ['/nodes/pve2/qemu/200', 'purge=1']);
      const last = await provider.followOperation(removal, { onInstance: (instance) => states.push(instance.state) });
      assert.deepEqual(states, ['terminating', 'terminated']);
      assert.deepEqual([last.name, last.actions], ['build', []]);
      assert.equal(standIn.cluster.vms.has(200), false);
      assert.deepEqual((await provider.listInstances('pve1')).instances.length, 2);
    } finally {
      provider.dispose();
    }
  });

  test('following stops when the caller aborts', async () => {
    const provider = makeProvider(standIn);
    try {
      const operation = await provider.runAction('pve1', '101', 'start');
      const controller = new AbortController();
      const following = provider.followOperation(operation, { signal: controller.signal, onInstance: () => controller.abort() });
      await assert.rejects(
        following,
        (error: unknown) => (error as Error).name === 'AbortError' || (isCloudError(error) && error.details.code === 'aborted'),
      );
    } finally {
      provider.dispose();
    }
  });
});
