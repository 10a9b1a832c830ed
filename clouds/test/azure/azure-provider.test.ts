// The Azure provider through the real @azure/identity and @azure/arm-compute pipelines against the
// loopback stand-in: sign-in, paging, long-running operations, and ARM's errors as CloudErrors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudInstance } from '../../src/cloud-provider.js';
import type { AzureStandIn } from '../stand-ins/azure-server.js';
import { closeAzureTest, providerFor, rejection, startAzureTest, vmId } from './azure-fixture.js';

let standIn: AzureStandIn;

before(async () => {
  standIn = await startAzureTest();
});

after(() => closeAzureTest(standIn));

describe('listing', () => {
  test('signs in over loopback and lists locations and VMs across nextLink pages', async () => {
    const provider = providerFor(standIn);
    const locations = await provider.listLocations();
    assert.deepEqual(locations, [
      { id: 'eastus', label: 'eastus' },
      { id: 'westeurope', label: 'westeurope' },
    ]);
    assert.ok(
      standIn.requests.some((request) => request.method === 'POST' && request.path.startsWith(`/${standIn.tenantId}/oauth2/v2.0/token`)),
    );
    const instances: CloudInstance[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await provider.listInstances('westeurope', pageToken === undefined ? {} : { pageToken });
      instances.push(...page.instances);
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken !== undefined);
    assert.ok(pages >= 2, 'the stand-in pages by two, so more than one page is read');
    assert.deepEqual(instances.map((instance) => [instance.name, instance.state, instance.providerState]).sort(), [
      ['web-1', 'running', 'running'],
      ['web-2', 'stopped', 'deallocated'],
      ['web-3', 'running', 'running'],
    ]);
    const web1 = instances.find((instance) => instance.name === 'web-1') as CloudInstance;
    assert.equal(web1.size, 'Standard_B2s');
    assert.deepEqual(web1.tags, { env: 'prod' });
    assert.equal(web1.consoleUrl, `https://portal.azure.com/#@/resource${vmId(standIn, 'rg-web', 'web-1')}/overview`);
    assert.equal(web1.pricePerHour, undefined);
    assert.deepEqual(web1.actions, ['stop', 'forceStop', 'reboot', 'delete']);
    assert.ok(standIn.requests.some((request) => request.path.includes('statusOnly=true') && request.path.includes('skiptoken')));
    assert.ok(
      standIn.requests.filter((request) => request.path.includes('/providers/Microsoft.Compute/')).every((request) => request.bearer),
    );
  });

  test("lists only the configured resource groups, with each VM's instance view", async () => {
    const provider = providerFor(standIn, { resourceGroups: ['rg-data'] });
    const before = standIn.requests.length;
    assert.deepEqual(
      (await provider.listLocations()).map((location) => location.id),
      ['eastus'],
    );
    assert.ok(
      !standIn.requests.slice(before).some((request) => /expand=instanceView/.test(decodeURIComponent(request.path))),
      'locations need no instance views',
    );
    const page = await provider.listInstances('eastus');
    assert.deepEqual(page.instances.map((instance) => [instance.name, instance.state, instance.size]).sort(), [
      ['batch-1', 'stopped', 'Standard_B2s'],
      ['db-1', 'running', 'Standard_D4s_v5'],
    ]);
    assert.ok(
      standIn.requests.some((request) => request.path.includes('/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachines?')),
    );
  });

  test('a 429 with Retry-After is retried by the SDK and the list still arrives', async () => {
    const before = standIn.requests.length;
    standIn.inject({
      method: 'GET',
      path: /\/providers\/Microsoft\.Compute\/virtualMachines\?/,
      status: 429,
      code: 'TooManyRequests',
      message: 'Rate limit exceeded.',
      headers: { 'retry-after': '0' },
    });
    const page = await providerFor(standIn).listInstances('eastus');
    assert.ok(page.instances.length > 0);
    const lists = standIn.requests
      .slice(before)
      .filter((request) => request.path.includes('/virtualMachines?') && !request.path.includes('skiptoken'));
    assert.equal(lists.length, 2, 'the throttled request and its retry');
  });
});

describe('operations', () => {
  test('stop returns at once and is followed through Azure-AsyncOperation to deallocated', async () => {
    const provider = providerFor(standIn);
    const id = vmId(standIn, 'rg-web', 'web-3');
    standIn.operationPolls = 2;
    const operation = await provider.runAction('westeurope', id, 'stop');
    assert.equal(
      standIn.virtualMachines.get('rg-web/web-3')?.powerState,
      'deallocating',
      'the action returned while ARM still works on it',
    );
    assert.ok(JSON.parse(operation.handle).state.config.operationLocation.includes('/operations/'));
    const seen: string[] = [];
    const settled = await provider.followOperation(operation, { onInstance: (instance) => seen.push(instance.state) });
    assert.equal(settled.state, 'stopped');
    assert.equal(settled.providerState, 'deallocated');
    assert.ok(seen.includes('stopping'), `intermediate states are reported: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), 'stopped');
    assert.ok(standIn.requests.some((request) => request.method === 'POST' && request.path.includes('/web-3/deallocate?')));
    assert.ok(standIn.requests.filter((request) => request.path.includes('/operations/')).length >= 3);
  });

  test("an operation that ends Failed shows ARM's code and message", async () => {
    const provider = providerFor(standIn);
    standIn.operationPolls = 1;
    standIn.failOperations.set('web-1', {
      code: 'VMAgentStatusCommunicationError',
      message: 'VM web-1 has not reported status for VM agent or extensions.',
    });
    const operation = await provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-1'), 'reboot');
    const error = await rejection(provider.followOperation(operation));
    assert.equal(error.details.code, 'VMAgentStatusCommunicationError');
    assert.match(error.message, /has not reported status for VM agent/);
    assert.ok(error.details.hint);
  });
});

describe('force stop, delete and refusals', () => {
  test('forceStop powers off without shutdown, then delete removes the VM', async () => {
    const provider = providerFor(standIn);
    const id = vmId(standIn, 'rg-data', 'db-1');
    const stopped = await provider.followOperation(await provider.runAction('eastus', id, 'forceStop'));
    assert.equal(stopped.providerState, 'stopped');
    assert.ok(standIn.requests.some((request) => request.path.includes('/db-1/powerOff?') && request.path.includes('skipShutdown=true')));
    standIn.operationPolls = 2;
    const deleting = await provider.runAction('eastus', id, 'delete');
    // ARM may drop the VM before its delete operation reports Succeeded: that is no error.
    standIn.inject({ method: 'GET', path: /\/db-1\?/, status: 404, code: 'ResourceNotFound', message: 'gone', times: 1 });
    const seen: string[] = [];
    const deleted = await provider.followOperation(deleting, { onInstance: (instance) => seen.push(instance.state) });
    assert.deepEqual(seen, ['terminating', 'terminated'], 'the first report met the 404 and was skipped');
    assert.equal(deleted.state, 'terminated');
    const error = await rejection(provider.getInstance('eastus', id));
    assert.equal(error.kind, 'notFound');
    assert.equal(error.details.code, 'ResourceNotFound');
  });

  test('reboot of a deallocated VM is the wrong state; a quota refusal is quota', async () => {
    const provider = providerFor(standIn);
    const wrong = await rejection(provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-2'), 'reboot'));
    assert.equal(wrong.kind, 'wrongState');
    assert.equal(wrong.details.code, 'OperationNotAllowed');
    standIn.inject({
      method: 'POST',
      path: /\/web-2\/start\?/,
      status: 409,
      code: 'OperationNotAllowed',
      message: 'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.',
    });
    const quota = await rejection(provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-2'), 'start'));
    assert.equal(quota.kind, 'quota');
    assert.match(quota.details.hint ?? '', /quota/);
  });

  test('following stops when the caller aborts; an action while ARM still works is a Conflict', async () => {
    const provider = providerFor(standIn);
    standIn.operationPolls = 1000;
    const operation = await provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-2'), 'start');
    const controller = new AbortController();
    const states: string[] = [];
    const following = provider.followOperation(operation, {
      signal: controller.signal,
      onInstance: (instance) => {
        states.push(instance.state);
        controller.abort();
      },
    });
    await assert.rejects(following, (error: Error) => error.name === 'AbortError');
    assert.deepEqual(states, ['pending']);
    // ARM is still starting it: another action meanwhile is a Conflict, the wrong state.
    const busy = await rejection(provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-2'), 'stop'));
    assert.equal(busy.kind, 'wrongState');
    assert.equal(busy.details.code, 'Conflict');
  });
});

describe('settings that shape the listing', () => {
  test('settings.locations limits the locations, and a configured one without VMs still shows', async () => {
    const provider = providerFor(standIn, { locations: ['westeurope', 'northeurope'] });
    assert.deepEqual(
      (await provider.listLocations()).map((location) => location.id),
      ['northeurope', 'westeurope'],
    );
    assert.deepEqual((await provider.listInstances('northeurope')).instances, []);
  });
});
