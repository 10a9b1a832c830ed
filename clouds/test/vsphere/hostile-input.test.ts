// Hostile and bad input is refused before any XML is built: settings, references, page tokens
// and operation handles. The provider here points at a closed loopback port, so an
// `invalidInput` proves nothing was sent (a request would have come back `unreachable`).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { before, describe, test } from 'node:test';
import type { CloudOperation, CloudProvider } from '../../src/cloud-provider.js';
import { vsphereModule } from '../../src/vsphere/vsphere-provider.js';
import { providerFor, rejectsWith } from './vsphere-fixture.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

const hostileIds = [
  'vm-1</_this><_this type="VirtualMachine">vm-2',
  'vm-1 ',
  '../vm-1',
  'vm-',
  'VM-1',
  'vm-1\u0000',
  'vm-12345678901234',
  '',
];

describe('vSphere refuses hostile input before any request', () => {
  let provider: CloudProvider;
  before(async () => {
    provider = providerFor({ url: `http://127.0.0.1:${await closedPort()}/sdk`, username: 'someone', password: 'secret' });
  });

  test('the closed port really is unreachable (so invalidInput below means nothing was sent)', async () => {
    await rejectsWith(provider.listLocations(), 'unreachable');
  });

  test('instance ids that are not VM references', async () => {
    for (const id of hostileIds) {
      const error = await rejectsWith(provider.runAction('datacenter-2', id, 'start'), 'invalidInput');
      assert.match(error.message, /Instance id .* is not a vSphere VirtualMachine reference/);
      assert.match(error.details.hint ?? '', /looks like vm-42/);
      await rejectsWith(provider.getInstance('datacenter-2', id), 'invalidInput');
    }
  });

  test('locations that are not datacenter references', async () => {
    for (const location of ['DC0', 'datacenter-2"/><x', 'group-d1', 'datacenter-2\n']) {
      await rejectsWith(provider.listInstances(location), 'invalidInput');
      await rejectsWith(provider.runAction(location, 'vm-1', 'start'), 'invalidInput');
    }
  });

  test('page tokens and operation handles it did not give out', async () => {
    for (const pageToken of ['x', 'session[1]2|<token>', 'session[1]2|1|2', 'group-d1|1', '|1']) {
      await rejectsWith(provider.listInstances('datacenter-2', { pageToken }), 'invalidInput');
    }
    const operation: CloudOperation = {
      provider: 'vsphere',
      accountId: 'vcenter-test',
      location: 'datacenter-2',
      instanceId: 'vm-1',
      action: 'start',
      handle: 'task-1</_this>',
    };
    await rejectsWith(provider.followOperation(operation), 'invalidInput');
    await rejectsWith(provider.followOperation({ ...operation, handle: 'task-1', instanceId: 'vm-1&amp;' }), 'invalidInput');
  });

  test('an unknown action', async () => {
    for (const action of ['hibernate', 'toString', '__proto__']) {
      await rejectsWith(provider.runAction('datacenter-2', 'vm-1', action as never), 'invalidInput');
    }
  });
});

describe('vSphere settings are checked field by field', () => {
  const good = { url: 'https://vcenter.example.com', username: 'administrator@vsphere.local' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...good, url: undefined }, /Setting "url" is missing/],
    [{ ...good, url: 'vcenter' }, /Setting "url" \("vcenter"\) is not a URL/],
    [{ ...good, url: 'ftp://vcenter.example.com' }, /Setting "url" uses ftp:/],
    [{ ...good, url: 'http://10.0.0.5' }, /Setting "url" uses http:, which would send the password unencrypted/],
    [{ ...good, url: 'https://root:pw@vcenter.example.com' }, /Setting "url" holds a user name or password/],
    [{ ...good, url: 'https://vcenter.example.com/sdk?x=1' }, /Setting "url" has a query or fragment/],
    [{ ...good, url: 'https://vcenter.example.com/ui' }, /Setting "url" has the path \/ui/],
    [{ url: good.url }, /Setting "username" is missing/],
    [{ ...good, username: '' }, /Setting "username" must be a non-empty text/],
    [{ ...good, username: 'a\nb' }, /Setting "username" must be a non-empty text without control characters/],
    [{ ...good, caFile: 'ca.pem' }, /Setting "caFile" must be an absolute path/],
    [{ ...good, datacenters: [] }, /Setting "datacenters" must be a non-empty list/],
    [{ ...good, datacenters: ['DC0', 7] }, /Setting "datacenters\[1\]" must be a non-empty text/],
    [{ ...good, password: 'hunter2' }, /Setting "password" is not a vSphere setting/],
    [{ ...good, insecure: true }, /Setting "insecure" is not a vSphere setting/],
  ];

  test('each bad setting names its field and what is allowed, and never echoes a password', () => {
    for (const [settings, message] of cases) {
      assert.throws(
        () => vsphereModule.parseSettings(settings),
        (error: Error & { kind?: string }) => {
          assert.equal(error.kind, 'invalidInput');
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /hunter2|:pw@/);
          return true;
        },
      );
    }
  });

  test('good settings: the /sdk path is added, loopback http is allowed', () => {
    assert.equal(vsphereModule.parseSettings(good).sdkUrl, 'https://vcenter.example.com/sdk');
    assert.equal(vsphereModule.parseSettings({ ...good, url: 'http://127.0.0.1:8989/sdk' }).sdkUrl, 'http://127.0.0.1:8989/sdk');
    assert.deepEqual(vsphereModule.secretKeys, ['password']);
  });
});
