// Untrusted input against the Azure provider: hostile settings and names refused before any
// request, links from answers that would carry the bearer token elsewhere, plain http, and the
// standard credential chain kept on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CloudError } from '../../src/cloud-errors.js';
import { azureProviderModule, createAzureProvider } from '../../src/azure/azure-provider.js';
import type { AzureStandIn } from '../stand-ins/azure-server.js';
import { connections, closeAzureTest, providerFor, secretSource, rejection, startAzureTest, vmId } from './azure-fixture.js';

let standIn: AzureStandIn;

before(async () => {
  standIn = await startAzureTest();
});

after(() => closeAzureTest(standIn));

function settingsError(settings: Record<string, unknown>): CloudError {
  try {
    azureProviderModule.parseSettings(settings);
  } catch (error) {
    assert.ok(error instanceof CloudError);
    assert.equal(error.kind, 'invalidInput');
    return error;
  }
  return assert.fail(`settings were accepted: ${JSON.stringify(settings)}`);
}

describe('settings', () => {
  const subscriptionId = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

  test('hostile or malformed settings are refused naming the field and what is allowed', () => {
    assert.match(
      settingsError({ subscriptionId, resourceGroups: ['../x'] }).message,
      /settings\.resourceGroups\[0\].*"\.\.\/x".*letters, digits/,
    );
    assert.match(settingsError({ subscriptionId, resourceGroups: ['ends-with.'] }).message, /not ending in '\.'/);
    assert.match(settingsError({ subscriptionId, resourceGroups: ['a'.repeat(91)] }).message, /1 to 90/);
    assert.match(settingsError({ subscriptionId: 'not-a-guid' }).message, /settings\.subscriptionId.*GUID/);
    assert.match(settingsError({}).message, /settings\.subscriptionId/);
    assert.match(settingsError({ subscriptionId, locations: ['west europe'] }).message, /settings\.locations\[0\].*short name/);
    assert.match(settingsError({ subscriptionId, endpoint: 'http://127.0.0.1:8080' }).message, /settings\.endpoint must use https/);
    assert.match(
      settingsError({ subscriptionId, authorityHost: 'http://login.example' }).message,
      /settings\.authorityHost must use https/,
    );
    assert.match(settingsError({ subscriptionId, endpoint: 'https://host/path?x=1' }).message, /bare origin/);
    assert.match(settingsError({ subscriptionId, clientSecret: 'abc' }).message, /settings\.clientSecret is not an Azure setting/);
    assert.match(settingsError({ subscriptionId, clientId: 'me' }).message, /settings\.clientId/);
  });

  test('good settings come back normalised', () => {
    const parsed = azureProviderModule.parseSettings({
      subscriptionId: subscriptionId.toUpperCase(),
      resourceGroups: ['rg-web', 'My_Group(1)'],
      locations: ['westeurope'],
      endpoint: 'https://management.usgovcloudapi.net/',
    });
    assert.deepEqual(parsed, {
      subscriptionId,
      resourceGroups: ['rg-web', 'My_Group(1)'],
      locations: ['westeurope'],
      endpoint: 'https://management.usgovcloudapi.net',
    });
    assert.deepEqual(azureProviderModule.secretKeys, ['clientSecret']);
  });
});

describe('names and links', () => {
  test('hostile instance ids and locations are refused before any request', async () => {
    const provider = providerFor(standIn);
    const before = standIn.requests.length;
    const base = `/subscriptions/${standIn.subscriptionId}/resourceGroups`;
    const hostile = [
      `${base}/../x/providers/Microsoft.Compute/virtualMachines/web-1`,
      `${base}/rg-web/providers/Microsoft.Compute/virtualMachines/web-1?api-version=1`,
      `${base}/rg-web/providers/Microsoft.Compute/virtualMachines/web-1#x`,
      `${base}/rg-web/providers/Microsoft.Compute/virtualMachines/web-1/../../web-2`,
      `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-1`,
    ];
    for (const id of hostile) {
      assert.equal((await rejection(provider.getInstance('westeurope', id))).kind, 'invalidInput', id);
      assert.equal((await rejection(provider.runAction('westeurope', id, 'stop'))).kind, 'invalidInput', id);
    }
    assert.equal((await rejection(provider.listInstances('../westeurope'))).kind, 'invalidInput');
    assert.equal((await rejection(provider.getInstance('west?europe', vmId(standIn, 'rg-web', 'web-1')))).kind, 'invalidInput');
    assert.equal(standIn.requests.length, before, 'nothing was sent');
  });

  test('a listed VM with a hostile id is shown without actions or console link', async () => {
    const hostileId = `/subscriptions/${standIn.subscriptionId}/resourceGroups/../x/providers/Microsoft.Compute/virtualMachines/evil?x=1`;
    const vm = {
      id: hostileId,
      name: 'evil',
      location: 'westeurope',
      properties: { instanceView: { statuses: [{ code: 'PowerState/running' }] } },
    };
    standIn.inject({ path: /virtualMachines\?api-version=[^&]+&statusOnly=true$/, status: 200, rawBody: JSON.stringify({ value: [vm] }) });
    const [evil] = (await providerFor(standIn).listInstances('westeurope')).instances;
    assert.equal(evil?.name, 'evil');
    assert.equal(evil?.state, 'running');
    assert.deepEqual(evil?.actions, []);
    assert.equal(evil?.consoleUrl, undefined);
    const strange = { ...vm, id: vmId(standIn, 'rg-web', 'strange'), name: 'strange', location: '../x' };
    standIn.inject({
      path: /virtualMachines\?api-version=[^&]+&statusOnly=true$/,
      status: 200,
      rawBody: JSON.stringify({ value: [strange] }),
    });
    assert.deepEqual(await providerFor(standIn).listLocations(), [], 'a location that is not a location name is not offered');
  });

  test('a nextLink or page token to another host is not followed with the token', async () => {
    const evil = 'https://evil.example/subscriptions/x/providers/Microsoft.Compute/virtualMachines?api-version=2026-03-01';
    const provider = providerFor(standIn);
    const refused = await rejection(provider.listInstances('westeurope', { pageToken: evil }));
    assert.equal(refused.kind, 'malformed');
    standIn.inject({
      path: /virtualMachines\?api-version=[^&]+&statusOnly=true$/,
      status: 200,
      rawBody: JSON.stringify({ value: [], nextLink: evil }),
    });
    const fromAnswer = await rejection(provider.listInstances('westeurope'));
    assert.equal(fromAnswer.kind, 'malformed');
    assert.match(fromAnswer.message, /evil\.example.*not followed/);
    assert.ok(!connections.some((target) => target.startsWith('evil.example')), 'no connection was even attempted');
  });

  test('an Azure-AsyncOperation link or a tampered handle pointing elsewhere is refused', async () => {
    const provider = providerFor(standIn);
    standIn.inject({
      method: 'POST',
      path: /\/web-1\/restart\?/,
      status: 202,
      rawBody: '',
      headers: { 'azure-asyncoperation': 'https://evil.example/operations/1?api-version=2026-03-01' },
    });
    const redirected = await rejection(provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-1'), 'reboot'));
    assert.equal(redirected.kind, 'malformed');
    standIn.operationPolls = 0;
    const operation = await provider.runAction('westeurope', vmId(standIn, 'rg-web', 'web-1'), 'reboot');
    const tampered = { ...operation, handle: operation.handle.replaceAll(standIn.url, 'https://evil.example') };
    assert.equal((await rejection(provider.followOperation(tampered))).kind, 'malformed');
    const elsewhere = { ...operation, instanceId: vmId(standIn, 'rg-web', 'web-2') };
    assert.equal((await rejection(provider.followOperation(elsewhere))).kind, 'invalidInput');
    assert.equal((await provider.followOperation(operation)).state, 'running');
    assert.ok(!connections.some((target) => target.startsWith('evil.example')));
  });
});

describe('transport and credentials', () => {
  test('the bearer token is never sent over plain http', async () => {
    const seen: (string | undefined)[] = [];
    const plain = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"value":[]}');
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    try {
      const endpoint = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      // Past the settings check (which refuses http): the SDK's own bearer policy must refuse too.
      const settings = {
        subscriptionId: standIn.subscriptionId,
        tenantId: standIn.tenantId,
        clientId: standIn.clientId,
        authorityHost: standIn.url,
        endpoint,
      };
      const provider = createAzureProvider(
        { id: 'plain', provider: 'azure', settings },
        settings,
        secretSource({ clientSecret: standIn.clientSecret }),
        { ca: standIn.caPem },
      );
      const error = await rejection(provider.listInstances('westeurope'));
      assert.match(error.message, /non-TLS|https/i);
      assert.deepEqual(seen, [], 'the plain server saw no request at all');
    } finally {
      plain.close();
    }
  });

  test('NODE_EXTRA_CA_CERTS in a child process trusts the stand-in, as the end-to-end tests run it', async () => {
    const settings = {
      subscriptionId: standIn.subscriptionId,
      tenantId: standIn.tenantId,
      clientId: standIn.clientId,
      authorityHost: standIn.url,
      endpoint: standIn.url,
    };
    const child = async (extra: Record<string, string>) => {
      const environment = {
        ...process.env,
        VLM_AZURE_SETTINGS: JSON.stringify(settings),
        VLM_AZURE_SECRET: standIn.clientSecret,
        ...extra,
      };
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'clouds/test/azure/list-locations.ts'], {
        env: environment,
        timeout: 30_000,
      });
      return JSON.parse(stdout) as { locations?: string[]; error?: string; offLoopback: string[] };
    };
    const trusted = await child({ NODE_EXTRA_CA_CERTS: standIn.caPath });
    assert.deepEqual(trusted, { locations: ['eastus', 'westeurope'], offLoopback: [] });
    const untrusted = await child({});
    assert.match(untrusted.error ?? '', /could not be reached, or its certificate is not trusted/);
    assert.deepEqual(untrusted.offLoopback, []);
  });

  test('the standard chain signs in from the environment against loopback', async () => {
    Object.assign(process.env, {
      AZURE_TENANT_ID: standIn.tenantId,
      AZURE_CLIENT_ID: standIn.clientId,
      AZURE_CLIENT_SECRET: standIn.clientSecret,
    });
    try {
      const provider = providerFor(standIn, { tenantId: undefined, clientId: undefined }, null);
      const locations = await provider.listLocations();
      assert.ok(locations.length > 0);
    } finally {
      for (const name of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) delete process.env[name];
    }
  });

  test('with nothing configured the chain fails as auth; its managed identity probe is stopped at the guard', async () => {
    const before = connections.length;
    const provider = providerFor(standIn, { tenantId: undefined, clientId: undefined, authorityHost: undefined }, null);
    const error = await rejection(provider.listLocations());
    assert.equal(error.kind, 'auth');
    assert.match(error.details.hint ?? '', /az login/);
    // The chain's managed identity step probes IMDS; the guard destroyed that socket before it connected.
    const attempted = connections.splice(before).filter((target) => !target.startsWith('127.0.0.1') && !target.startsWith('unix:'));
    assert.ok(
      attempted.every((target) => target === '169.254.169.254:80'),
      attempted.join(', '),
    );
  });

  test('the network guard sits in the path: a connection off loopback is refused and recorded', async () => {
    const before = connections.length;
    const failure = await new Promise<Error>((resolve) => {
      const request = get('https://192.0.2.1/', () => resolve(new Error('connected')));
      request.on('error', resolve);
    });
    assert.match(failure.message, /test network guard: refused a connection to 192\.0\.2\.1:443/);
    assert.deepEqual(connections.splice(before), ['192.0.2.1:443']);
  });
});
