import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CloudAccount, CloudInstance } from '@vlm/clouds/src/cloud-provider';
import { CloudTreeModel } from '../src/clouds/cloud-tree-model';
import type { AccountRow, CloudRow, InstanceRow, LocationRow } from '../src/clouds/cloud-rows';
import { priceWords, uptimeWords } from '../src/clouds/cloud-rows';

const now = Date.parse('2026-11-29T12:00:00Z');
const aws: CloudAccount = { id: 'aws-main', provider: 'aws', label: 'Work AWS', settings: {} };
const pve: CloudAccount = { id: 'home-pve', provider: 'proxmox', settings: { url: 'https://pve:8006' } };

function instance(overrides: Partial<CloudInstance> = {}): CloudInstance {
  return {
    provider: 'aws',
    accountId: 'aws-main',
    location: 'eu-west-1',
    id: 'i-0abc',
    name: 'web-1',
    state: 'running',
    providerState: 'running',
    size: 't3.micro',
    publicAddress: '203.0.113.7',
    privateAddress: '10.0.0.7',
    startedAt: '2026-11-29T09:30:00Z',
    tags: { env: 'prod' },
    pricePerHour: { currency: 'USD', micros: 10_400 },
    consoleUrl: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc',
    actions: ['stop', 'reboot', 'forceStop', 'delete'],
    ...overrides,
  };
}

function loadedModel(instances: CloudInstance[]): CloudTreeModel {
  const model = new CloudTreeModel(() => now);
  model.setAccounts([aws]);
  const regions = [...new Set(instances.map((item) => item.location))];
  model.setListing(
    'aws-main',
    regions.map((region) => ({ location: { id: region, label: region }, instances: instances.filter((item) => item.location === region) })),
  );
  return model;
}

function instanceRows(rows: readonly CloudRow[]): InstanceRow[] {
  return rows.flatMap((row) => (row.kind === 'instance' ? [row] : row.kind === 'message' ? [] : instanceRows(row.children)));
}

test('an instance row shows its type, address, uptime and hourly price, and its tooltip every field', () => {
  const [account] = loadedModel([instance()]).roots();
  const location = account?.children[0] as LocationRow;
  const row = location.children[0] as InstanceRow;
  assert.equal(row.label, 'web-1');
  assert.equal(row.description, 't3.micro · 203.0.113.7 · up 2 h 30 min · $0.0104/h');
  assert.deepEqual(row.icon, { codicon: 'vm-running', color: 'testing.iconPassed' });
  for (const text of [
    'i-0abc',
    'Public address: 203.0.113.7',
    'Private address: 10.0.0.7',
    'Tags: env=prod',
    'region eu-west-1',
    'Price: $0.0104/h',
  ]) {
    assert.ok(row.tooltip.includes(text), `tooltip lacks ${text}:\n${row.tooltip}`);
  }
  assert.equal(location.label, 'eu-west-1');
  assert.equal(location.description, '1 of 1 running');
  assert.equal(account?.label, 'Work AWS');
  assert.equal(account?.description, 'AWS EC2 · 1 of 1 running · 1 of 1 regions');
});

test('contextValue names the state, the actions that make sense now, and what else the row offers', () => {
  const [running] = instanceRows(loadedModel([instance()]).roots());
  assert.equal(running?.contextValue, 'cloudInstance:running:stop,reboot,forceStop,delete:address,console,ssh');
  const stopped = instance({
    id: 'i-1',
    state: 'stopped',
    providerState: 'stopped',
    publicAddress: undefined,
    actions: ['start', 'delete'],
    consoleUrl: undefined,
  });
  const [row] = instanceRows(loadedModel([stopped]).roots());
  assert.equal(row?.contextValue, 'cloudInstance:stopped:start,delete:address');
  assert.match(row?.description ?? '', /^stopped · t3\.micro · 10\.0\.0\.7 · \$0\.0104\/h$/);
});

test('transitional states spin; the rest have a colour of their own', () => {
  const states = ['pending', 'stopping', 'rebooting', 'terminating', 'stopped', 'terminated', 'unknown'] as const;
  const rows = instanceRows(loadedModel(states.map((state, index) => instance({ id: `i-${index}`, name: state, state }))).roots());
  const icon = (name: string) => rows.find((row) => row.label === name)?.icon;
  for (const state of ['pending', 'stopping', 'rebooting', 'terminating']) assert.equal(icon(state)?.codicon, 'sync~spin', state);
  assert.deepEqual(icon('stopped'), { codicon: 'vm-outline', color: 'disabledForeground' });
  assert.deepEqual(icon('terminated'), { codicon: 'trash', color: 'disabledForeground' });
  assert.equal(icon('unknown')?.codicon, 'question');
});

test('a failed account shows the provider message with its code, and the hint as its own row', () => {
  const model = new CloudTreeModel(() => now);
  model.setAccounts([aws]);
  model.setFailed('aws-main', {
    message: 'AWS EC2: You are not authorized (UnauthorizedOperation)',
    hint: 'Give the profile ec2:DescribeInstances.',
  });
  const [account] = model.roots();
  assert.equal(account?.contextValue, 'cloudAccount:failed');
  assert.equal(account?.icon.color, 'errorForeground');
  assert.deepEqual(
    account?.children.map((row) => [row.kind, row.label]),
    [
      ['message', 'AWS EC2: You are not authorized (UnauthorizedOperation)'],
      ['message', 'Give the profile ec2:DescribeInstances.'],
    ],
  );
});

test('an empty Proxmox listing explains the privilege-separated token; one failed region shows under that region', () => {
  const model = new CloudTreeModel(() => now);
  model.setAccounts([pve, aws]);
  model.setListing('home-pve', [{ location: { id: 'pve1', label: 'pve1' }, instances: [] }]);
  model.setListing('aws-main', [
    { location: { id: 'eu-west-1', label: 'eu-west-1' }, instances: [instance()] },
    {
      location: { id: 'ap-south-2', label: 'ap-south-2' },
      instances: [],
      problem: { message: 'AWS EC2: request limit exceeded (RequestLimitExceeded)' },
    },
  ]);
  const [proxmox, amazon] = model.roots();
  assert.match(proxmox?.children[0]?.label ?? '', /No VMs visible on 1 node/);
  assert.match(proxmox?.children[1]?.label ?? '', /privilege-separated API token/);
  const failedRegion = amazon?.children.find((row) => row.label === 'ap-south-2') as LocationRow;
  assert.equal(failedRegion.children[0]?.kind, 'message');
  assert.match(failedRegion.children[0]?.label ?? '', /RequestLimitExceeded/);
});

test('the filter works on name, tag key=value, state and provider, all words together', () => {
  const model = loadedModel([
    instance({ id: 'i-1', name: 'web-1', tags: { env: 'prod' } }),
    instance({ id: 'i-2', name: 'web-2', state: 'stopped', tags: { env: 'test' }, actions: ['start'] }),
    instance({ id: 'i-3', name: 'db', tags: { env: 'prod', role: 'database' } }),
  ]);
  const names = () => instanceRows(model.roots()).map((row) => row.label);
  model.setFilter('web');
  assert.deepEqual(names(), ['web-1', 'web-2']);
  model.setFilter('env=prod');
  assert.deepEqual(names(), ['db', 'web-1']);
  model.setFilter('state:stopped');
  assert.deepEqual(names(), ['web-2']);
  model.setFilter('ENV=PROD state:running web');
  assert.deepEqual(names(), ['web-1']);
  model.setFilter('role=database');
  assert.deepEqual(names(), ['db']);
  model.setFilter('provider:proxmox');
  assert.deepEqual(names(), []);
  assert.match(model.roots()[0]?.children[0]?.label ?? '', /No instance matches "provider:proxmox"/);
  model.setFilter('provider:aws "env=prod" DB');
  assert.deepEqual(names(), ['db']);
});

test('a filter word it cannot read is refused with what is allowed, and the old filter stays', () => {
  const model = loadedModel([instance()]);
  model.setFilter('web');
  assert.throws(() => model.setFilter('state:runing'), /the filter term state:runing names no state; states: pending, running/);
  assert.throws(() => model.setFilter('provider:digitalocean'), /names no provider; providers: aws, proxmox, azure, gcp, vsphere/);
  assert.throws(() => model.setFilter('=prod'), /has no tag key before '='/);
  assert.equal(model.filter, 'web');
});

test('one state change among 1,000 instances updates that row object in place and names only the rows that changed', () => {
  const instances = Array.from({ length: 1000 }, (_, index) =>
    instance({ id: `i-${index}`, name: `vm-${String(index).padStart(4, '0')}`, location: `region-${index % 10}` }),
  );
  const model = loadedModel(instances);
  const roots = model.roots();
  const before = instanceRows(roots);
  const target = before.find((row) => row.instanceId === 'i-517') as InstanceRow;
  const changed = model.updateInstance(
    instance({ id: 'i-517', name: 'vm-0517', location: 'region-7', state: 'stopping', providerState: 'stopping', actions: [] }),
  );
  assert.ok(changed);
  const region = roots[0]?.children.find((row) => row.id === 'cloud/aws-main/region-7');
  // The row, its region's count and the account's count; the same objects VS Code already holds.
  assert.deepEqual(changed, [target, region, roots[0]]);
  assert.equal(target.icon.codicon, 'sync~spin');
  assert.equal(target.contextValue, 'cloudInstance:stopping::address,console');
  assert.equal(model.roots(), roots, 'no rebuild');
  assert.deepEqual(instanceRows(roots), before, 'every other row object is kept');
  assert.equal(region?.description, '99 of 100 running');
  // The same state again changes nothing.
  assert.deepEqual(
    model.updateInstance(
      instance({ id: 'i-517', name: 'vm-0517', location: 'region-7', state: 'stopping', providerState: 'stopping', actions: [] }),
    ),
    [],
  );
});

test('an update that moves a row out of the filter redraws its account; one of an unknown region redraws all', () => {
  const model = loadedModel([instance({ id: 'i-1', name: 'a' }), instance({ id: 'i-2', name: 'b' })]);
  model.setFilter('state:running');
  const [account] = model.roots() as AccountRow[];
  const changed = model.updateInstance(instance({ id: 'i-1', name: 'a', state: 'stopped', actions: ['start'] }));
  assert.deepEqual(changed, [account]);
  assert.deepEqual(
    instanceRows(model.roots()).map((row) => row.label),
    ['b'],
  );
  assert.equal(model.updateInstance(instance({ id: 'i-9', location: 'mars-1' })), undefined);
});

test('accounts whose definition did not change keep their listing when settings change', () => {
  const model = loadedModel([instance()]);
  model.setAccounts([pve, aws]);
  assert.deepEqual(
    model.roots().map((row) => row.description),
    ['Proxmox VE · loading…', 'AWS EC2 · 1 of 1 running · 1 of 1 regions'],
  );
  model.setAccounts([{ ...aws, settings: { regions: ['us-east-1'] } }]);
  assert.equal(model.roots()[0]?.description, 'AWS EC2 · loading…');
});

test('prices are exact in micros and uptime reads in days, hours and minutes', () => {
  assert.equal(priceWords({ currency: 'USD', micros: 10_400 }), '$0.0104/h');
  assert.equal(priceWords({ currency: 'USD', micros: 1_500_000 }), '$1.50/h');
  assert.equal(priceWords({ currency: 'EUR', micros: 96 }), '0.000096 EUR/h');
  assert.equal(uptimeWords('2026-11-26T08:00:00Z', now), '3 d 4 h');
  assert.equal(uptimeWords('2026-11-29T11:53:00Z', now), '7 min');
  assert.equal(uptimeWords('not a date', now), undefined);
  assert.equal(uptimeWords('2026-12-01T00:00:00Z', now), undefined);
});
