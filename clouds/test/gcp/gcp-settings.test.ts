// Bad settings and hostile names: refused with a message naming the field, what was wrong and what
// is allowed, before any request; hostile names in the service's answers are refused too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudError } from '../../src/cloud-errors.js';
import type { CloudOperation } from '../../src/cloud-provider.js';
import { gcpProviderModule } from '../../src/gcp/gcp-provider.js';
import { type GcpFixture, openGcpFixture, project, strayConnections } from './gcp-fixture.js';

const zone = 'europe-west1-b';

function refused(pattern: RegExp, kind = 'invalidInput') {
  return (error: unknown) => {
    assert.ok(error instanceof CloudError, String(error));
    assert.equal(error.kind, kind);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('GCP settings', () => {
  let fixture: GcpFixture;
  before(async () => {
    fixture = await openGcpFixture();
  });
  after(() => fixture.close());

  test('good settings are taken as they are', () => {
    const settings = {
      project,
      zones: [zone, 'us-central1-a'],
      keyFile: fixture.keyFile,
      apiEndpoint: 'https://compute.example.com:8443/',
    };
    assert.deepEqual(gcpProviderModule.parseSettings(settings), { ...settings, apiEndpoint: 'https://compute.example.com:8443' });
    assert.deepEqual(gcpProviderModule.parseSettings({ project, apiEndpoint: 'http://127.0.0.1:9' }), {
      project,
      apiEndpoint: 'http://127.0.0.1:9',
    });
  });

  test('bad settings name the field, what was wrong and what is allowed', () => {
    const parse = (settings: Record<string, unknown>) => () => gcpProviderModule.parseSettings(settings);
    assert.throws(parse({}), refused(/^project is missing: give the project id, such as my-project-123$/));
    assert.throws(
      parse({ project: 'My_Project' }),
      refused(/^project "My_Project" is not a project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter$/),
    );
    assert.throws(parse({ project: `p${'x'.repeat(40)}` }), refused(/is not a project id/));
    assert.throws(
      parse({ project, region: 'europe-west1' }),
      refused(/^unknown setting "region": allowed are project, zones, keyFile, apiEndpoint$/),
    );
    assert.throws(parse({ project, zones: 'europe-west1-b' }), refused(/^zones must be a non-empty list/));
    assert.throws(
      parse({ project, zones: [zone, 'europe-west1-b/../../x'] }),
      refused(/^zones\[1\] "europe-west1-b\/\.\.\/\.\.\/x" is not a Compute Engine zone/),
    );
    assert.throws(parse({ project, keyFile: 'credentials.json' }), refused(/^keyFile "credentials\.json" must be an absolute path/));
    assert.throws(parse({ project, keyFile: join(fixture.folder, 'missing.json') }), refused(/missing\.json" is not a file$/));
    assert.throws(
      parse({ project, apiEndpoint: 'http://compute.example.com' }),
      refused(/must use https \(plain http is allowed only on loopback\)/),
    );
    assert.throws(parse({ project, apiEndpoint: 'https://compute.example.com/compute/v1' }), refused(/no path, query or user/));
    assert.throws(parse({ project, apiEndpoint: 'https://user:pw@compute.example.com' }), refused(/no path, query or user/));
    assert.throws(parse({ project, apiEndpoint: 'compute.googleapis.com' }), refused(/is not a URL/));
  });
});

describe('GCP hostile names', () => {
  let fixture: GcpFixture;
  before(async () => {
    fixture = await openGcpFixture();
    fixture.standIn.state.addInstance(zone, 'web-1');
  });
  after(() => fixture.close());

  test('hostile zone, instance and operation names are refused before any request', async () => {
    const provider = fixture.provider();
    const sent = fixture.standIn.requests.length;
    const instanceNames = [
      '../../../projects/other/zones/x/instances/y',
      'web-1/stop',
      'Web-1',
      'web-1?x=1',
      'web%2f1',
      `w${'x'.repeat(63)}`,
      '',
      'web-1\n',
    ];
    for (const name of instanceNames) {
      await assert.rejects(provider.getInstance(zone, name), refused(/^instance name .* is not a Compute Engine name/));
      await assert.rejects(provider.runAction(zone, name, 'delete'), refused(/^instance name/));
    }
    for (const badZone of ['europe-west1-b/../../global', 'europe-west1', 'EUROPE-WEST1-B', 'europe-west1-b#']) {
      await assert.rejects(
        provider.listInstances(badZone),
        refused(/^zone .* is not a Compute Engine zone: expected a name such as europe-west1-b$/),
      );
    }
    const operation: CloudOperation = {
      provider: 'gcp',
      accountId: 'gcp-test',
      location: zone,
      instanceId: 'web-1',
      action: 'stop',
      handle: 'op/../../instances/web-1/delete',
    };
    await assert.rejects(provider.followOperation(operation), refused(/^operation name/));
    await assert.rejects(provider.listInstances(zone, { pageToken: 'a b&maxResults=1' }), refused(/^page token/));
    assert.equal(fixture.standIn.requests.length, sent, 'nothing reached the service');
  });

  test("hostile names in the service's answers are refused, not used", async () => {
    const provider = fixture.provider();
    const evilOperation = { kind: 'compute#operation', name: '../../../instances/web-1/delete', status: 'PENDING' };
    fixture.standIn.failNext({ status: 200, json: evilOperation, match: /\/stop$/ });
    await assert.rejects(provider.runAction(zone, 'web-1', 'stop'), refused(/^Compute Engine answered an operation named/, 'malformed'));
    const evilList = { kind: 'compute#instanceAggregatedList', items: { 'zones/../../global': { instances: [] } } };
    fixture.standIn.failNext({ status: 200, json: evilList, match: /aggregated/ });
    await assert.rejects(
      provider.listAllInstances?.() ?? Promise.reject(new Error('no aggregated list')),
      refused(/^Compute Engine answered a scope named/, 'malformed'),
    );
    const evilInstance = {
      kind: 'compute#instanceList',
      items: [{ name: 'x/../../y', zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}` }],
    };
    fixture.standIn.failNext({ status: 200, json: evilInstance, match: /\/instances$/ });
    await assert.rejects(
      provider.listInstances(zone),
      refused(/^Compute Engine answered an instance with the name "x\/\.\.\/\.\.\/y"/, 'malformed'),
    );
    const otherZone = {
      ...fixture.standIn.state.instance(zone, 'web-1'),
      zone: 'https://www.googleapis.com/compute/v1/projects/p/zones/us-east1-b',
    };
    fixture.standIn.failNext({ status: 200, json: otherZone, match: /\/instances\/web-1$/ });
    await assert.rejects(provider.getInstance(zone, 'web-1'), refused(/^Compute Engine answered an instance with the zone/, 'malformed'));
    const oddAddresses = {
      ...fixture.standIn.state.instance(zone, 'web-1'),
      networkInterfaces: [{ networkIP: '10.0.0.1; rm -rf /', accessConfigs: [{ natIP: '$(id)' }] }],
    };
    fixture.standIn.failNext({ status: 200, json: oddAddresses, match: /\/instances\/web-1$/ });
    const shown = await provider.getInstance(zone, 'web-1');
    assert.equal(shown.privateAddress, undefined, 'an address that is not an IP address is not shown');
    assert.equal(shown.publicAddress, undefined);
    assert.deepEqual(strayConnections(), []);
  });
});
