// Deleting a VM through the real vlm-host on libvirt's test driver: a VM of no lab goes (its disk
// files are named as kept); a lab's VM, a missing VM and a hostile name are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  HostErrorCode,
  LabsApplyRequest,
  LabsDestroyRequest,
  VmsDeleteRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../support/test-libvirt';
import { buildHostBundle, connectClient, rejectsWithHostError, startHost, type HostProcess } from './host-process';

type Client = MessageConnection & { close(): void };

describe('vms: delete on the libvirt test driver', () => {
  let environment: LibvirtTestEnvironment;
  let work: string;
  let host: HostProcess;
  let client: Client;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vlm-host-vm-delete-'));
    const bundle = await buildHostBundle(work);
    environment = await startLibvirtTestEnvironment();
    const socketPath = join(work, 'vlm-host.sock');
    host = await startHost({ bundle, socketPath, dataDirectory: join(work, 'data'), busAddress: environment.busAddress });
    client = await connectClient(socketPath);
  });

  after(async () => {
    client?.close();
    await host?.stop();
    await environment?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const vmNames = async () => (await client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort();

  test('a running VM of no lab is stopped and removed; its disk files are named as kept', async () => {
    assert.ok((await vmNames()).includes('test'), 'the test driver starts with its "test" domain');
    const result = await client.sendRequest(VmsDeleteRequest.type, { vm: 'test' });
    assert.equal(result.deleted, 'test');
    assert.ok(Array.isArray(result.keptDisks));
    assert.ok(!(await vmNames()).includes('test'));
    await rejectsWithHostError(client.sendRequest(VmsDeleteRequest.type, { vm: 'test' }), HostErrorCode.NotFound);
  });

  test('a VM of a recorded lab is refused with what to do instead, and stays', async () => {
    const lab = {
      name: 'keep',
      vms: [{ name: 'one', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }],
    };
    await client.sendRequest(LabsApplyRequest.type, { lab });
    await rejectsWithHostError(client.sendRequest(VmsDeleteRequest.type, { vm: 'keep-one' }), HostErrorCode.InvalidState, {
      field: '/vm',
      message: /belongs to lab "keep".*destroy the lab/,
    });
    assert.ok((await vmNames()).includes('keep-one'));
    await client.sendRequest(LabsDestroyRequest.type, { name: 'keep' });
  });

  test('hostile names are refused before libvirt is asked', async () => {
    for (const vm of ['../etc', "a'b", '$(reboot)', 'a<b']) {
      await rejectsWithHostError(client.sendRequest(VmsDeleteRequest.type, { vm }), HostErrorCode.InvalidParams, { field: '/vm' });
    }
  });
});
