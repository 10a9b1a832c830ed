// The Lab Topology panel's live overlay: each VM's state (running, paused, not deployed, host
// unreachable) and forwarded port from the host's tree data, laid over the lab the file gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TopologyLab } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import type { HostDefinition } from '../../src/host-configuration';
import type { HostSnapshot } from '../../src/host-snapshot';
import { overlayHostState } from '../../src/topology/lab-topology';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/vlm/host.sock' } };

const valid = (topology: unknown) => {
  const check = checkPanelMessage('TopologyToPanel', { type: 'topology', uri: 'file:///labs/a.lab.yaml', topology });
  assert.ok(check.ok, check.ok ? '' : check.problem);
};

const vm = (name: string, network: string): TopologyLab['vms'][number] => ({
  name,
  state: 'unknown',
  interfaces: [{ name: 'nic0', network }],
});

const lab: TopologyLab = {
  file: 'three-tier-web.lab.yaml',
  lab: 'web-lab',
  host: 'local',
  hostConnected: false,
  networks: [
    { name: 'front', cidr: '10.20.1.0/24' },
    { name: 'back', cidr: '10.20.2.0/24' },
  ],
  vms: [vm('db', 'back'), vm('web-1', 'front'), vm('web-2', 'front'), vm('lb', 'front')],
  problems: [],
};

describe('overlayHostState', () => {
  const snapshot = (labs: HostSnapshot['labs'], status: 'connected' | 'disconnected' = 'connected'): HostSnapshot[] => [
    { host: local, state: { status }, labs },
  ];

  test('each VM takes its state from the host, and the port the host forwards', () => {
    const live = overlayHostState(
      lab,
      snapshot([
        {
          name: 'web-lab',
          tags: [],
          vms: [
            { name: 'db', status: 'running', tags: [], sshPort: 40022 },
            { name: 'web-1', status: 'paused', tags: [] },
            { name: 'web-2', status: 'stopped', tags: [] },
          ],
        },
        { name: '', tags: [], vms: [{ name: 'lb', status: 'running', tags: [] }] },
      ]),
    );
    valid(live);
    assert.equal(live.hostConnected, true);
    assert.deepEqual(
      live.vms.map((vm) => [vm.name, vm.state]),
      [
        ['db', 'running'],
        ['web-1', 'paused'],
        ['web-2', 'stopped'],
        ['lb', 'notDeployed'],
      ],
      "a VM of no lab with the same name is not this lab's",
    );
    assert.equal(live.vms[0]?.sshPort, 40022);
  });

  test('a lab the host does not have is not deployed; an unreachable host says so', () => {
    assert.ok(overlayHostState(lab, snapshot([])).vms.every((vm) => vm.state === 'notDeployed'));
    const away = overlayHostState(lab, snapshot([], 'disconnected'));
    assert.equal(away.hostConnected, false);
    assert.ok(away.vms.every((vm) => vm.state === 'hostUnreachable'));
    assert.ok(overlayHostState({ ...lab, host: 'elsewhere' }, snapshot([])).vms.every((vm) => vm.state === 'hostUnreachable'));
  });
});
