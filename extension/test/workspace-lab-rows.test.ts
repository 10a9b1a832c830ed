import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostDefinition } from '../src/host-configuration';
import type { HostSnapshot } from '../src/host-snapshot';
import { StableRows } from '../src/tree-rows';
import { labsTreeWithWorkspace, type WorkspaceLabFile } from '../src/workspace-lab-rows';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/tmp/vlm-host.sock' } };
const remote: HostDefinition = { name: 'lab-server', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab-server' } };

const file = (path: string, name: string, host = 'local'): WorkspaceLabFile => ({ uri: `file:///work/${path}`, path, name, host });

const deployed: HostSnapshot = {
  host: local,
  state: { status: 'connected' },
  labs: [{ name: 'web', tags: [], vms: [{ name: 'app', status: 'running', tags: [] }] }],
};

test('a lab file not deployed shows under its host with Deploy; a deployed one gives its lab row its file', () => {
  const [host] = labsTreeWithWorkspace([deployed], [file('labs/web.lab.yaml', 'web'), file('pair.lab.yaml', 'pair')]);
  assert.equal(host?.kind, 'host');
  if (host?.kind !== 'host') return;
  const [web, pair] = host.children;
  assert.equal(web?.kind, 'lab');
  assert.equal(web?.kind === 'lab' && web.fileUri, 'file:///work/labs/web.lab.yaml');
  assert.match(web?.tooltip ?? '', /File: labs\/web\.lab\.yaml \(click to open\)/);
  assert.equal(pair?.kind, 'workspaceLab');
  assert.equal(pair?.contextValue, 'workspaceLab');
  assert.equal(pair?.label, 'pair');
  assert.equal(pair?.description, 'not deployed · pair.lab.yaml');
  assert.equal(pair?.kind === 'workspaceLab' && pair.parentId, 'host/local');
  assert.equal(host.children.length, 2, 'the deployed lab is not listed twice');
});

test('a file naming a host that is not in the settings goes to the Workspace group, which says so', () => {
  const rows = labsTreeWithWorkspace([deployed], [file('far.lab.yaml', 'far', 'elsewhere')]);
  const group = rows[1];
  assert.equal(group?.kind, 'workspaceGroup');
  if (group?.kind !== 'workspaceGroup') return;
  assert.equal(group.label, 'Workspace');
  assert.equal(group.children[0]?.description, 'host elsewhere unknown · far.lab.yaml');
  assert.match(group.children[0]?.tooltip ?? '', /names "elsewhere", which is not in your settings/);
  assert.equal(group.children[0]?.parentId, 'workspace');
});

test('under a host that is not connected, a file is a lab file: whether it is deployed is not known', () => {
  const snapshot: HostSnapshot = { host: remote, state: { status: 'disconnected', reason: 'down' }, labs: [] };
  const [host] = labsTreeWithWorkspace([snapshot], [file('r.lab.yaml', 'r', 'lab-server')]);
  const row = host?.kind === 'host' ? host.children[0] : undefined;
  assert.equal(row?.description, 'lab file · r.lab.yaml');
  assert.match(row?.tooltip ?? '', /not connected/);
});

test('the filter applies to lab files; two files of one lab keep distinct rows; a lab name written like markup stays text', () => {
  const files = [file('b.lab.yaml', 'web'), file('a.lab.yaml', 'web'), file('x.lab.yaml', '<img src=x onerror=alert(1)>')];
  const empty: HostSnapshot = { host: local, state: { status: 'connected' }, labs: [] };
  const [host] = labsTreeWithWorkspace([empty], files);
  const children = host?.kind === 'host' ? host.children : [];
  assert.deepEqual(
    children.map((row) => row.id),
    ['workspaceLab/file:///work/a.lab.yaml', 'workspaceLab/file:///work/b.lab.yaml', 'workspaceLab/file:///work/x.lab.yaml'],
  );
  assert.equal(children[2]?.label, '<img src=x onerror=alert(1)>');
  const [filtered] = labsTreeWithWorkspace([empty], files, 'img');
  assert.equal(filtered?.kind === 'host' && filtered.children.length, 1);
});

test('a file created, then deleted, changes only its host row in the refresh', () => {
  const rows = new StableRows();
  const empty: HostSnapshot = { host: local, state: { status: 'connected' }, labs: [] };
  rows.reconcile(labsTreeWithWorkspace([empty], []));
  const added = rows.reconcile(labsTreeWithWorkspace([empty], [file('n.lab.yaml', 'n')]));
  assert.equal(added.rootsChanged, false);
  assert.deepEqual(
    added.changed.map((row) => row.id),
    ['host/local'],
  );
  const removed = rows.reconcile(labsTreeWithWorkspace([empty], []));
  assert.deepEqual(
    removed.changed.map((row) => row.id),
    ['host/local'],
  );
});
