import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostDefinition } from '../src/host-configuration';
import type { HostSnapshot, LabSnapshot } from '../src/host-snapshot';
import { labsTree, matchesFilter } from '../src/labs-tree-model';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/user/0/vlm/host.sock' } };
const remote: HostDefinition = { name: 'lab-server', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab-server' } };

const webLab: LabSnapshot = {
  name: 'web-lab',
  tags: ['web'],
  description: 'Three tiers',
  vms: [
    { name: 'db', status: 'running', tags: ['database'] },
    { name: 'web-1', status: 'stopped', tags: [] },
    { name: 'lb', status: 'starting', tags: [] },
  ],
};

test('a disconnected local host reads "not connected" and says why in its tooltip', () => {
  const reason = 'The host service is not running: there is no socket at /run/user/0/vlm/host.sock.';
  const [row] = labsTree([{ host: local, state: { status: 'disconnected', reason }, labs: [] }]);
  assert.equal(row?.label, 'local');
  assert.equal(row?.description, 'not connected');
  assert.equal(row?.contextValue, 'host disconnected');
  assert.equal(row?.icon.codicon, 'device-desktop');
  assert.match(row?.tooltip ?? '', /This machine, reached through \/run\/user\/0\/vlm\/host\.sock/);
  assert.match(row?.tooltip ?? '', /no socket at/);
  assert.deepEqual(row?.children, []);
});

test('a connected host lists its labs and VMs, and menus can tell running VMs from stopped ones', () => {
  const snapshots: HostSnapshot[] = [
    { host: local, state: { status: 'connected' }, labs: [webLab] },
    { host: remote, state: { status: 'connecting' }, labs: [] },
  ];
  const [host, connecting] = labsTree(snapshots);
  assert.equal(host?.contextValue, 'host connected');
  assert.equal(host?.description, 'this machine');
  assert.equal(connecting?.contextValue, 'host connecting settings ssh');
  assert.equal(connecting?.description, 'connecting…');
  assert.match(connecting?.tooltip ?? '', /over SSH to admin@lab-server/);
  const lab = host?.children[0];
  assert.equal(lab?.contextValue, 'lab idle running');
  assert.equal(lab?.description, '1 of 3 running');
  assert.deepEqual(
    lab?.children.map((vm) => [vm.label, vm.description, vm.contextValue]),
    [
      ['db', 'running', 'vm running settled lab'],
      ['web-1', 'stopped', 'vm stopped settled lab'],
      ['lb', 'starting', 'vm starting lab'],
    ],
  );
  assert.equal(lab?.children[0]?.id, 'vm/local/db');
});

test('the filter keeps a matching lab whole, or only the matching VMs of another', () => {
  const otherLab: LabSnapshot = {
    name: 'sandbox',
    tags: [],
    vms: [
      { name: 'dev', status: 'stopped', tags: ['database'] },
      { name: 'box', status: 'stopped', tags: [] },
    ],
  };
  const snapshots: HostSnapshot[] = [{ host: local, state: { status: 'connected' }, labs: [webLab, otherLab] }];
  const byLabTag = labsTree(snapshots, 'WEB')[0]?.children ?? [];
  assert.deepEqual(
    byLabTag.map((lab) => [lab.label, lab.children.length]),
    [['web-lab', 3]],
  );
  const byVmTag = labsTree(snapshots, 'database')[0]?.children ?? [];
  assert.deepEqual(
    byVmTag.map((lab) => [lab.label, lab.children.map((vm) => vm.label)]),
    [
      ['web-lab', ['db']],
      ['sandbox', ['dev']],
    ],
  );
  assert.deepEqual(labsTree(snapshots, 'nothing-like-this')[0]?.children, []);
});

test('an empty filter matches everything', () => {
  assert.equal(matchesFilter('  ', 'anything', []), true);
  assert.equal(matchesFilter('db', 'web', ['DB-tier']), true);
});
