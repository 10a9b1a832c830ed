// Azure's failures as users meet them: a refused secret, an expired token, a missing right, a
// vanished VM, a 500 after the SDK's retries, a malformed answer, an endpoint that does not answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAzureProvider } from '../../src/azure/azure-provider.js';
import type { AzureStandIn } from '../stand-ins/azure-server.js';
import { closeAzureTest, providerFor, secretSource, rejection, startAzureTest, vmId } from './azure-fixture.js';

let standIn: AzureStandIn;

before(async () => {
  standIn = await startAzureTest();
});

after(() => closeAzureTest(standIn));

const listPath = /\/providers\/Microsoft\.Compute\/virtualMachines\?/;

describe('sign-in', () => {
  test("a wrong client secret is an auth error with Entra's code, and the secret is not in it", async () => {
    const secret = 'wrong-secret-7f3a9c';
    const error = await rejection(providerFor(standIn, {}, secret).listLocations());
    assert.equal(error.kind, 'auth');
    assert.equal(error.details.code, 'invalid_client');
    assert.match(error.message, /AADSTS7000215/);
    assert.ok(!error.describe().includes(secret) && !JSON.stringify(error.details.code).includes(secret));
  });

  test('an expired token is refused by ARM and reported as auth', async () => {
    const provider = providerFor(standIn);
    await provider.listLocations();
    standIn.expireTokens();
    const error = await rejection(provider.listLocations());
    assert.equal(error.kind, 'auth');
    assert.equal(error.details.code, 'InvalidAuthenticationToken');
    assert.equal(error.details.status, 401);
  });

  test('a client secret without tenantId is refused before any request', async () => {
    const before = standIn.requests.length;
    const error = await rejection(providerFor(standIn, { tenantId: undefined }).listLocations());
    assert.equal(error.kind, 'invalidInput');
    assert.match(error.message, /tenantId/);
    assert.equal(standIn.requests.length, before);
  });
});

describe('ARM errors', () => {
  test("403 AuthorizationFailed is a permission error with ARM's code and what to ask for", async () => {
    standIn.inject({
      path: listPath,
      status: 403,
      code: 'AuthorizationFailed',
      message: "The client does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read'.",
    });
    const error = await rejection(providerFor(standIn).listInstances('westeurope'));
    assert.equal(error.kind, 'permission');
    assert.equal(error.details.code, 'AuthorizationFailed');
    assert.match(error.message, /HTTP 403/);
    assert.match(error.details.hint ?? '', /Virtual Machine Contributor/);
    standIn.inject({
      path: /\/web-1\?/,
      status: 403,
      code: 'AuthorizationFailed',
      message: "No authorization to perform action 'Microsoft.Compute/virtualMachines/read'.",
    });
    const single = await rejection(providerFor(standIn).getInstance('westeurope', vmId(standIn, 'rg-web', 'web-1')));
    assert.equal(single.kind, 'permission');
    assert.match(single.message, /virtualMachines\/read/, "outside paging, ARM's own message is kept");
  });

  test('a VM or resource group that is not there is notFound', async () => {
    const vm = await rejection(providerFor(standIn).getInstance('westeurope', vmId(standIn, 'rg-web', 'gone')));
    assert.equal(vm.kind, 'notFound');
    assert.equal(vm.details.code, 'ResourceNotFound');
    const group = await rejection(providerFor(standIn, { resourceGroups: ['rg-nothing'] }).listInstances('westeurope'));
    assert.equal(group.kind, 'notFound');
    assert.equal(group.details.code, 'ResourceGroupNotFound');
  });

  test("a 500 that lasts through the SDK's retries surfaces as a provider error", async () => {
    const before = standIn.requests.length;
    standIn.inject({ path: listPath, status: 500, code: 'InternalServerError', message: 'Encountered internal server error.', times: 4 });
    const error = await rejection(providerFor(standIn).listInstances('eastus'));
    assert.equal(error.kind, 'provider');
    assert.equal(error.details.status, 500);
    assert.equal(
      standIn.requests.slice(before).filter((request) => listPath.test(request.path)).length,
      4,
      'the first try and three retries',
    );
  });

  test('a malformed answer is malformed, not a crash', async () => {
    standIn.inject({ path: listPath, status: 200, rawBody: '{"value": [{"id": ' });
    const truncated = await rejection(providerFor(standIn).listInstances('eastus'));
    assert.equal(truncated.kind, 'malformed');
    standIn.inject({ path: listPath, status: 200, rawBody: '{"value": [{"name": 42}]}' });
    const shapeless = await rejection(providerFor(standIn).listInstances('eastus'));
    assert.equal(shapeless.kind, 'malformed');
  });

  test('an endpoint that does not answer is unreachable', async () => {
    const error = await rejection(providerFor(standIn, { endpoint: 'https://127.0.0.1:1' }).listInstances('eastus'));
    assert.equal(error.kind, 'unreachable');
  });

  test('a certificate this machine does not trust is unreachable, not a credential problem', async () => {
    const settings = {
      subscriptionId: standIn.subscriptionId,
      tenantId: standIn.tenantId,
      clientId: standIn.clientId,
      authorityHost: standIn.url,
      endpoint: standIn.url,
    };
    const untrusting = createAzureProvider(
      { id: 'no-ca', provider: 'azure', settings },
      settings,
      secretSource({ clientSecret: standIn.clientSecret }),
    );
    const entra = await rejection(untrusting.listLocations());
    assert.equal(entra.kind, 'unreachable');
    assert.equal(entra.details.code, 'endpoints_resolution_error');
  });
});
