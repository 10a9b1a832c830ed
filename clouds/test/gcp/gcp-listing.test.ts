// Listing through @google-cloud/compute against the loopback stand-in: the token comes over the
// wire from the credentials file's token_url, pages follow nextPageToken, nothing leaves loopback.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createProvider } from '../../src/provider-registry.js';
import { type GcpFixture, strayConnections, openGcpFixture, project, zones } from './gcp-fixture.js';

describe('GCP credentials', () => {
  let fixture: GcpFixture;
  before(async () => {
    fixture = await openGcpFixture();
    fixture.standIn.state.addInstance('europe-west1-b', 'web-1');
  });
  after(() => fixture.close());

  test('a keyFile: the token comes from its token_url over loopback and goes out as a bearer token', async () => {
    const grants = fixture.standIn.tokenGrants;
    const instance = await fixture.provider().getInstance('europe-west1-b', 'web-1');
    assert.equal(instance.name, 'web-1');
    assert.equal(fixture.standIn.tokenGrants, grants + 1);
    const call = fixture.standIn.requests
      .slice()
      .reverse()
      .find((request) => request.path.endsWith('/instances/web-1'));
    assert.match(call?.authorization ?? '', /^Bearer ya29\.stand-in-/);
  });

  test("application-default credentials: GOOGLE_APPLICATION_CREDENTIALS, then gcloud's ADC file", async () => {
    const endpointOnly = { project, apiEndpoint: fixture.standIn.url };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = fixture.keyFile;
    try {
      assert.equal((await fixture.provider(endpointOnly).getInstance('europe-west1-b', 'web-1')).state, 'running');
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    }
    const home = process.env.HOME;
    const gcloud = join(fixture.folder, '.config', 'gcloud');
    mkdirSync(gcloud, { recursive: true });
    writeFileSync(join(gcloud, 'application_default_credentials.json'), JSON.stringify(fixture.standIn.credentials));
    process.env.HOME = fixture.folder;
    try {
      assert.equal((await fixture.provider(endpointOnly).getInstance('europe-west1-b', 'web-1')).state, 'running');
    } finally {
      process.env.HOME = home;
    }
  });

  test('the registry builds a GCP provider from an account, its settings checked first', async () => {
    const account = { id: 'lab', provider: 'gcp', settings: { project, keyFile: fixture.keyFile, apiEndpoint: fixture.standIn.url } };
    const provider = await createProvider(account, { get: async () => undefined });
    try {
      assert.deepEqual((await provider.getInstance('europe-west1-b', 'web-1')).accountId, 'lab');
    } finally {
      provider.dispose();
    }
    const bad = { ...account, settings: { ...account.settings, zones: ['mars-north1-z1'] } };
    await assert.rejects(createProvider(bad, { get: async () => undefined }), /zones\[0\] "mars-north1-z1" is not a Compute Engine zone/);
  });

  test('no credentials anywhere: an auth error that says what to do, without asking the metadata server', async () => {
    const home = process.env.HOME;
    process.env.HOME = join(fixture.folder, 'empty-home');
    try {
      const provider = fixture.provider({ project, apiEndpoint: fixture.standIn.url });
      await assert.rejects(provider.getInstance('europe-west1-b', 'web-1'), (error: Error & { kind?: string; describe?: () => string }) => {
        assert.equal(error.kind, 'auth');
        assert.match(error.describe?.() ?? '', /gcloud auth application-default login/);
        return true;
      });
    } finally {
      process.env.HOME = home;
    }
    assert.deepEqual(strayConnections(), [], 'no connection may leave loopback (metadata server, oauth2.googleapis.com)');
  });
});

describe('GCP listing', () => {
  let fixture: GcpFixture;
  before(async () => {
    fixture = await openGcpFixture();
    const { state } = fixture.standIn;
    // 600 in one zone, so that zone alone needs two pages of 500.
    for (let index = 0; index < 1_200; index += 1) {
      const zone = index < 600 ? zones[0] : zones[1 + (index % 2)];
      state.addInstance(zone as string, `node-${String(index).padStart(4, '0')}`, { labels: { pool: 'batch' } });
    }
    state.addInstance('europe-west1-c', 'db-1', {
      status: 'TERMINATED',
      machineType: `https://www.googleapis.com/compute/v1/projects/${project}/zones/europe-west1-c/machineTypes/n2-standard-8`,
      labels: { env: 'prod', team: 'data' },
      natIP: '35.195.1.9',
      networkIP: '10.132.0.9',
    });
  });
  after(() => fixture.close());

  test('zones are the locations', async () => {
    const locations = await fixture.provider().listLocations();
    assert.deepEqual(
      locations.map((location) => location.id),
      zones,
    );
    const limited = fixture.provider({ project, zones: ['us-central1-a'], keyFile: fixture.keyFile, apiEndpoint: fixture.standIn.url });
    assert.deepEqual(await limited.listLocations(), [{ id: 'us-central1-a', label: 'us-central1-a' }]);
  });

  test('the aggregated list pages through nextPageToken across every zone', async () => {
    const sentBefore = fixture.standIn.requests.length;
    const page = await fixture.provider().listAllInstances?.();
    assert.equal(page?.instances.length, 1_201);
    const calls = fixture.standIn.requests.slice(sentBefore).filter((request) => request.path.endsWith('/aggregated/instances'));
    assert.equal(calls.length, 3, '1,201 instances at 500 a page');
    assert.equal(calls[0]?.query.pageToken, undefined);
    assert.ok(calls[1]?.query.pageToken && calls[2]?.query.pageToken);
    assert.deepEqual([...new Set(page?.instances.map((instance) => instance.location))].sort(), zones);
  });

  test('an instance shows its machine type, addresses, labels, state and console page', async () => {
    const page = await fixture.provider().listAllInstances?.();
    const db = page?.instances.find((instance) => instance.name === 'db-1');
    assert.deepEqual(db, {
      provider: 'gcp',
      accountId: 'gcp-test',
      location: 'europe-west1-c',
      id: 'db-1',
      name: 'db-1',
      state: 'stopped',
      providerState: 'TERMINATED',
      size: 'n2-standard-8',
      publicAddress: '35.195.1.9',
      privateAddress: '10.132.0.9',
      startedAt: undefined,
      tags: { env: 'prod', team: 'data' },
      consoleUrl: `https://console.cloud.google.com/compute/instancesDetail/zones/europe-west1-c/instances/db-1?project=${project}`,
      actions: ['start', 'delete'],
    });
    const running = page?.instances.find((instance) => instance.name === 'node-0000');
    assert.equal(running?.startedAt, '2026-11-29T07:00:00.000Z');
    assert.deepEqual(running?.actions, ['stop', 'reboot', 'delete']);
  });

  test('a zone lists page by page with the page token the service issued', async () => {
    const provider = fixture.provider();
    const first = await provider.listInstances('europe-west1-b');
    assert.equal(first.instances.length, 500);
    assert.ok(first.nextPageToken);
    const second = await provider.listInstances('europe-west1-b', { pageToken: first.nextPageToken });
    assert.equal(second.instances.length, 100);
    assert.equal(second.nextPageToken, undefined);
    assert.equal(second.instances[99]?.name, 'node-0599');
    const sent = fixture.standIn.requests
      .slice()
      .reverse()
      .find((request) => request.path.endsWith('/zones/europe-west1-b/instances'));
    assert.equal(sent?.query.pageToken, first.nextPageToken);
    assert.equal(sent?.query.maxResults, '500');
    const limited = fixture.provider({ project, zones: ['us-central1-a'], keyFile: fixture.keyFile, apiEndpoint: fixture.standIn.url });
    await assert.rejects(limited.listInstances('europe-west1-b'), /not one of this account's zones/);
    assert.deepEqual(strayConnections(), []);
  });
});
