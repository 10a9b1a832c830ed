// The tree's menus as a user gets them: the manifest's `when` clauses evaluated against the context
// words row-context.ts gives each row, for every row state. Only actions that can work are offered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostDefinition } from '../src/host-configuration';
import type { HostConnectionState, HostSnapshot, LabSnapshot, VmSnapshot, VmStatus } from '../src/host-snapshot';
import { isLeafRow, type Row } from '../src/labs-tree-model';
import { labsTreeWithWorkspace } from '../src/workspace-lab-rows';
import { evaluateWhen } from './when-clause';

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
const menuItems: MenuItem[] = manifest.contributes.menus['view/item/context'];
const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/vlm/host.sock' } };
const statuses: VmStatus[] = ['running', 'stopped', 'paused', 'starting', 'stopping', 'crashed', 'unknown'];

function vm(name: string, status: VmStatus, sshPort?: number): VmSnapshot {
  return { name, domain: name, status, tags: [], ...(sshPort === undefined ? {} : { sshPort }) };
}

/** Every kind of row in every state: hosts, labs (idle, busy, nothing running), VMs with and without SSH, loose VMs, snapshots. */
function everyRow(): Row[] {
  const labs: LabSnapshot[] = [
    {
      name: 'all-states',
      status: 'running',
      tags: [],
      vms: statuses.flatMap((status) => [vm(`${status}-ssh`, status, 22001), vm(status, status)]),
    },
    { name: 'all-stopped', status: 'running', tags: [], vms: [vm('down', 'stopped')] },
    {
      name: 'busy',
      status: 'running',
      tags: [],
      vms: [vm('up', 'running')],
      activity: 'reverting',
      labSnapshots: [{ name: 'base', lab: 'busy', description: '', createdAt: '2026-11-29T15:00:00Z', members: [], missing: [] }],
    },
    {
      name: 'snapshots',
      status: 'running',
      tags: [],
      vms: [],
      labSnapshots: [
        { name: 'whole', lab: 'snapshots', description: '', createdAt: '2026-11-29T15:00:00Z', members: [], missing: [] },
        { name: 'partial', lab: 'snapshots', description: '', createdAt: '2026-11-29T15:00:00Z', members: [], missing: ['web'] },
      ],
    },
    { name: '', tags: [], vms: statuses.flatMap((status) => [vm(`loose-${status}-ssh`, status, 22002), vm(`loose-${status}`, status)]) },
  ];
  const states: HostConnectionState[] = [
    { status: 'connected' },
    { status: 'connecting' },
    { status: 'disconnected', reason: 'no socket' },
  ];
  const snapshots: HostSnapshot[] = states.map((state, index) => ({
    host: { ...local, name: `host-${index}` },
    state,
    labs: index === 0 ? labs : [],
  }));
  // Hosts from vlm.hosts: one over SSH, one on a socket.
  snapshots.push(
    {
      host: { name: 'over-ssh', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab' } },
      state: { status: 'connected' },
      labs: [],
    },
    {
      host: { name: 'on-socket', isLocal: false, address: { kind: 'socket', path: '/run/other.sock' } },
      state: { status: 'connected' },
      labs: [],
    },
  );
  const file = (name: string, host: string) => ({ uri: `file:///w/${name}.lab.yaml`, path: `${name}.lab.yaml`, name, host });
  const rows: Row[] = [];
  const walk = (list: readonly Row[]) => {
    for (const row of list) {
      rows.push(row);
      if (!isLeafRow(row)) walk(row.children);
    }
  };
  walk(
    labsTreeWithWorkspace(
      snapshots,
      [file('undeployed', 'host-0'), file('elsewhere', 'no-such-host')],
      '',
      Date.parse('2026-11-29T16:00:00Z'),
    ),
  );
  return rows;
}

const rows = everyRow();

function row(id: string): Row {
  const found = rows.find((candidate) => candidate.id === id);
  assert.ok(found, `no row ${id}`);
  return found;
}

/** The commands the row's context menu (or its inline buttons) offers. */
function offered(target: Row, inline = false): string[] {
  return menuItems
    .filter((item) => (item.group ?? '').startsWith('inline') === inline)
    .filter((item) => evaluateWhen(item.when ?? 'true', { view: 'vlm.labs', viewItem: target.contextValue }))
    .map((item) => item.command);
}

test("a lab's VM never offers Delete VM, in any state; a standalone VM does once it is settled", () => {
  for (const status of statuses) {
    assert.ok(!offered(row(`vm/host-0/${status}`)).includes('vlm.vm.delete'), `lab VM ${status} offers Delete VM`);
    assert.ok(!offered(row(`vm/host-0/${status}-ssh`)).includes('vlm.vm.delete'), `lab VM ${status} with SSH offers Delete VM`);
  }
  for (const status of ['running', 'stopped', 'paused', 'crashed'] as const) {
    assert.ok(offered(row(`vm/host-0/loose-${status}`)).includes('vlm.vm.delete'), `standalone ${status} VM lacks Delete VM`);
  }
  for (const status of ['starting', 'stopping', 'unknown'] as const) {
    assert.ok(!offered(row(`vm/host-0/loose-${status}`)).includes('vlm.vm.delete'), `standalone ${status} VM offers Delete VM`);
  }
});

test('Open Consoles is offered on a lab with a running VM only', () => {
  assert.ok(offered(row('lab/host-0/all-states')).includes('vlm.lab.openAllConsoles'));
  assert.ok(!offered(row('lab/host-0/all-stopped')).includes('vlm.lab.openAllConsoles'));
  assert.ok(!offered(row('lab/host-0/snapshots')).includes('vlm.lab.openAllConsoles'));
});

test('SSH actions are offered only on a VM with an SSH port (the terminal only while it runs)', () => {
  for (const status of statuses) {
    const without = offered(row(`vm/host-0/${status}`));
    assert.ok(!without.includes('vlm.vm.openSshTerminal') && !without.includes('vlm.vm.copySshCommand'), status);
    const withSsh = offered(row(`vm/host-0/${status}-ssh`));
    assert.ok(withSsh.includes('vlm.vm.copySshCommand'), status);
    assert.equal(withSsh.includes('vlm.vm.openSshTerminal'), status === 'running', status);
  }
});

test('power actions follow the state: Start on stopped or crashed, Resume on paused, Stop and consoles on running', () => {
  const expectations: Record<VmStatus, string[]> = {
    running: ['vlm.vm.stop', 'vlm.vm.restart', 'vlm.vm.forceStop', 'vlm.vm.openSerialConsole', 'vlm.vm.openGraphicalConsole'],
    stopped: ['vlm.vm.start'],
    crashed: ['vlm.vm.start'],
    paused: ['vlm.vm.resume', 'vlm.vm.forceStop'],
    stopping: ['vlm.vm.forceStop'],
    starting: [],
    unknown: [],
  };
  const power = ['vlm.vm.start', 'vlm.vm.stop', 'vlm.vm.restart', 'vlm.vm.resume', 'vlm.vm.forceStop', 'vlm.vm.openSerialConsole'];
  for (const status of statuses) {
    const menu = offered(row(`vm/host-0/${status}`));
    for (const command of expectations[status]) assert.ok(menu.includes(command), `${status} lacks ${command}`);
    for (const command of power.filter((candidate) => !expectations[status].includes(candidate))) {
      assert.ok(!menu.includes(command), `${status} offers ${command}`);
    }
  }
  assert.deepEqual(offered(row('vm/host-0/paused'), true), ['vlm.vm.resume']);
});

test('Destroy is in the context menu, not among the inline buttons; a busy lab offers no lab action', () => {
  const lab = row('lab/host-0/all-states');
  assert.ok(offered(lab).includes('vlm.destroy'));
  assert.deepEqual(offered(lab, true), ['vlm.deploy']);
  const busy = offered(row('lab/host-0/busy'));
  for (const command of ['vlm.deploy', 'vlm.destroy', 'vlm.plan', 'vlm.lab.snapshot', 'vlm.lab.revert'])
    assert.ok(!busy.includes(command), command);
  assert.deepEqual(offered(row('labSnapshot/host-0/busy/base')), []);
  assert.deepEqual(offered(row('lab/host-0/')), [], 'the group of loose VMs is no lab');
});

test('lab snapshots: a complete one reverts and deletes, an incomplete one only deletes', () => {
  assert.deepEqual(offered(row('labSnapshot/host-0/snapshots/whole')).sort(), ['vlm.labSnapshot.delete', 'vlm.labSnapshot.revert']);
  assert.deepEqual(offered(row('labSnapshot/host-0/snapshots/partial')), ['vlm.labSnapshot.delete']);
});

test('hosts: Connect when disconnected, Disconnect when connected, nothing while connecting', () => {
  assert.deepEqual(offered(row('host/host-0')), ['vlm.disconnectHost']);
  assert.deepEqual(offered(row('host/host-1')), []);
  assert.deepEqual(offered(row('host/host-2')), ['vlm.connectHost']);
  assert.deepEqual(offered(row('host/host-2'), true), ['vlm.connectHost']);
});

test('hosts from the settings can be edited and removed; only SSH hosts have a password to forget; local neither', () => {
  const edits = ['vlm.editHost', 'vlm.forgetPassword', 'vlm.removeHost'];
  assert.deepEqual(
    offered(row('host/over-ssh'))
      .filter((command) => edits.includes(command))
      .sort(),
    edits,
  );
  assert.deepEqual(
    offered(row('host/on-socket'))
      .filter((command) => edits.includes(command))
      .sort(),
    ['vlm.editHost', 'vlm.removeHost'],
  );
  for (const local of ['host/host-0', 'host/host-2']) assert.ok(!offered(row(local)).some((command) => edits.includes(command)), local);
});

test('a workspace lab file offers Deploy inline, and Deploy, Plan and Open in its menu; the Workspace group nothing', () => {
  const workspaceRows = rows.filter((target) => target.kind === 'workspaceLab');
  assert.equal(workspaceRows.length, 2);
  for (const target of workspaceRows) {
    assert.deepEqual(offered(target, true), ['vlm.deploy']);
    assert.deepEqual(offered(target).sort(), ['vlm.deploy', 'vlm.lab.openFile', 'vlm.plan']);
  }
  const group = rows.find((target) => target.kind === 'workspaceGroup');
  assert.ok(group);
  assert.deepEqual([...offered(group), ...offered(group, true)], []);
});

test('Connect in New Window only on a running VM with an SSH port', () => {
  for (const status of statuses) {
    assert.ok(!offered(row(`vm/host-0/${status}`)).includes('vlm.vm.connectInNewWindow'), status);
    assert.equal(offered(row(`vm/host-0/${status}-ssh`)).includes('vlm.vm.connectInNewWindow'), status === 'running', status);
  }
});

test("every Hosts view menu item is offered on some row, and every row's first word is its kind", () => {
  for (const item of menuItems.filter((candidate) => candidate.when?.includes('view == vlm.labs'))) {
    const inline = (item.group ?? '').startsWith('inline');
    assert.ok(
      rows.some((target) => offered(target, inline).includes(item.command)),
      `${item.command} (${item.group}) is offered nowhere`,
    );
  }
  for (const target of rows) {
    const kind = target.kind === 'lab' && target.labName === '' ? 'looseVms' : target.kind;
    assert.equal(target.contextValue.split(' ')[0], kind, target.id);
  }
});

test('distinct commands have distinct icons', () => {
  const byIcon = new Map<string, string>();
  for (const command of manifest.contributes.commands as { command: string; icon: string }[]) {
    assert.ok(!byIcon.has(command.icon), `${command.command} and ${byIcon.get(command.icon)} share ${command.icon}`);
    byIcon.set(command.icon, command.command);
  }
});
