// What a row shows of the guest and the inventory: the guest's address, private or public by its
// range, and templates left out of the list. The simulator sets a guest address through
// ReconfigVM_Task's extraConfig (`SET.guest.ipAddress`), as VMware Tools would report one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudInstance, CloudProvider } from '../../src/cloud-provider.js';
import { element } from '../../src/vsphere/soap-xml.js';
import type { VimClient } from '../../src/vsphere/vim-client.js';
import { startVsphereSimulator, type VsphereSimulator } from '../stand-ins/vsphere-simulator.js';
import { adminSession, providerFor } from './vsphere-fixture.js';

async function setGuestAddress(vim: VimClient, vm: string, address: string): Promise<void> {
  const value = element('value', address, { 'xsi:type': 'xsd:string', 'xmlns:xsd': 'http://www.w3.org/2001/XMLSchema' });
  const option = element('extraConfig', [element('key', 'SET.guest.ipAddress'), value], { 'xsi:type': 'OptionValue' });
  await vim.soap.call('ReconfigVM_Task', [element('_this', vm, { type: 'VirtualMachine' }), element('spec', [option])]);
}

describe('vSphere guest details against the simulator', () => {
  let simulator: VsphereSimulator;
  let provider: CloudProvider;
  let location: string;
  const byName = async (): Promise<Map<string, CloudInstance>> =>
    new Map((await provider.listInstances(location)).instances.map((instance) => [instance.name, instance]));

  before(async () => {
    simulator = await startVsphereSimulator();
    provider = providerFor(simulator);
    location = (await provider.listLocations())[0]?.id ?? '';
  });
  after(async () => {
    provider.dispose();
    assert.deepEqual(await simulator.stop(), []);
  });

  test('a guest address is private or public by its range', async () => {
    const rows = await byName();
    const first = rows.get('DC0_H0_VM0');
    const second = rows.get('DC0_H0_VM1');
    assert.ok(first && second);
    assert.equal(first.privateAddress, undefined);
    await adminSession(simulator, async (vim) => {
      await setGuestAddress(vim, first.id, '10.20.30.40');
      await setGuestAddress(vim, second.id, '203.0.113.7');
    });
    const after = await byName();
    assert.equal(after.get('DC0_H0_VM0')?.privateAddress, '10.20.30.40');
    assert.equal(after.get('DC0_H0_VM0')?.publicAddress, undefined);
    assert.equal(after.get('DC0_H0_VM1')?.publicAddress, '203.0.113.7');
  });

  test('a name with a line break and a C1 control is shown with them replaced', async () => {
    const vm = (await byName()).get('DC0_H0_VM1');
    assert.ok(vm);
    await adminSession(simulator, (vim) =>
      vim.soap.call('Rename_Task', [element('_this', vm.id, { type: 'VirtualMachine' }), element('newName', 'web\nprod\u009b2J')]),
    );
    const renamed = [...(await byName()).values()].find((row) => row.id === vm.id);
    assert.equal(renamed?.name, 'web\uFFFDprod\uFFFD2J');
  });

  test('a VM turned into a template leaves the list', async () => {
    const vm = (await byName()).get('DC0_C0_RP0_VM0');
    assert.ok(vm);
    const operation = await provider.runAction(location, vm.id, 'forceStop');
    await provider.followOperation(operation);
    await adminSession(simulator, (vim) => vim.soap.call('MarkAsTemplate', [element('_this', vm.id, { type: 'VirtualMachine' })]));
    assert.deepEqual([...(await byName()).keys()].sort(), ['DC0_C0_RP0_VM1', 'DC0_H0_VM0', 'web\uFFFDprod\uFFFD2J']);
  });
});
