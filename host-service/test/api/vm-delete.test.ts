// Deleting a VM through the real vlm-host on libvirt's test driver: a VM this host made for no
// recorded lab goes (its disk files are named as kept); a domain it did not make goes only when the
// request names it again in confirmForeign; a lab's VM, a missing VM and a hostile name are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HostErrorCode, LabsApplyRequest, LabsDestroyRequest, VmsDeleteRequest, VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-vm-delete' });
});

after(async () => {
  await fixture?.dispose();
});

const vmNames = async () => (await fixture.client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort();

describe('vms: delete on the libvirt test driver: domains VLM did not make', () => {
  test('a domain VLM did not make is refused until confirmForeign repeats its exact name; then it is stopped and removed', async () => {
    assert.ok((await vmNames()).includes('test'), 'the test driver starts with its "test" domain, which has no VLM metadata');
    await rejectsWithHostError(fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test' }), HostErrorCode.InvalidState, {
      field: '/confirmForeign',
      allowed: /^the exact domain name "test"$/,
      message:
        /VM "test" was not made by this host \(it has no VLM metadata\)\. To delete it anyway, repeat its exact name in confirmForeign: "test"/,
    });
    await rejectsWithHostError(
      fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test', confirmForeign: 'tes' }),
      HostErrorCode.InvalidState,
      {
        field: '/confirmForeign',
        message: /confirmForeign "tes" does not name VM "test"/,
      },
    );
    await rejectsWithHostError(
      fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test', confirmForeign: 'TEST' }),
      HostErrorCode.InvalidState,
      { field: '/confirmForeign' },
    );
    assert.ok((await vmNames()).includes('test'), 'refused requests left it alone');
    const result = await fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test', confirmForeign: 'test' });
    assert.equal(result.deleted, 'test');
    assert.ok(Array.isArray(result.keptDisks));
    assert.ok(!(await vmNames()).includes('test'));
    await rejectsWithHostError(
      fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test', confirmForeign: 'test' }),
      HostErrorCode.NotFound,
    );
  });

  test("a domain marked by another vlm-host's data directory needs the confirmation too; one this host made for no lab does not", async () => {
    const other = 'own-other.web';
    const mine = 'own-mine.web';
    await fixture.hypervisor.defineDomain(
      buildDomainXml({
        name: other,
        type: 'qemu',
        vcpu: 1,
        memoryMiB: 128,
        vlm: { lab: 'own-other', vm: 'web', dataDirectory: join(fixture.folder, 'another-data') },
      }),
    );
    await fixture.hypervisor.defineDomain(
      buildDomainXml({
        name: mine,
        type: 'qemu',
        vcpu: 1,
        memoryMiB: 128,
        vlm: { lab: 'own-mine', vm: 'web', dataDirectory: fixture.dataDirectory },
      }),
    );
    await rejectsWithHostError(fixture.client.sendRequest(VmsDeleteRequest.type, { vm: other }), HostErrorCode.InvalidState, {
      field: '/confirmForeign',
      message: /carries the mark of another vlm-host or an older version \(lab "own-other"\).*confirmForeign: "own-other\.web"/,
    });
    assert.ok((await vmNames()).includes(other));
    // Listed under a lab only when this host made it: another host's lab of that name is not it.
    assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, { lab: 'own-other' })).vms, []);
    assert.deepEqual(
      (await fixture.client.sendRequest(VmsListRequest.type, { lab: 'own-mine' })).vms.map((item) => item.name),
      [mine],
    );
    assert.equal((await fixture.client.sendRequest(VmsDeleteRequest.type, { vm: mine })).deleted, mine);
    assert.equal((await fixture.client.sendRequest(VmsDeleteRequest.type, { vm: other, confirmForeign: other })).deleted, other);
    assert.ok(!(await vmNames()).some((name) => name === mine || name === other));
  });
});

describe('vms: delete on the libvirt test driver: refusals', () => {
  test('a VM of a recorded lab is refused with what to do instead, and stays', async () => {
    const lab = {
      name: 'keep',
      vms: [{ name: 'one', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }],
    };
    await fixture.client.sendRequest(LabsApplyRequest.type, { lab });
    for (const confirmForeign of [undefined, 'keep.one']) {
      await rejectsWithHostError(
        fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'keep.one', ...(confirmForeign === undefined ? {} : { confirmForeign }) }),
        HostErrorCode.InvalidState,
        {
          field: '/vm',
          message: /belongs to lab "keep".*destroy the lab/,
        },
      );
    }
    assert.ok((await vmNames()).includes('keep.one'));
    await fixture.client.sendRequest(LabsDestroyRequest.type, { name: 'keep' });
  });

  test('hostile names are refused before libvirt is asked', async () => {
    for (const vm of ['../etc', "a'b", '$(reboot)', 'a<b']) {
      await rejectsWithHostError(fixture.client.sendRequest(VmsDeleteRequest.type, { vm }), HostErrorCode.InvalidParams, { field: '/vm' });
      await rejectsWithHostError(
        fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'x', confirmForeign: vm }),
        HostErrorCode.InvalidParams,
        { field: '/confirmForeign' },
      );
    }
    await rejectsWithHostError(
      fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'x', confirmForeign: true } as never),
      HostErrorCode.InvalidParams,
      { field: '/confirmForeign' },
    );
  });
});
