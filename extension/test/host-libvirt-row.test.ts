// The host row says which libvirt the host drives: system, the user's own session, or simulated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostDefinition } from '../src/host-configuration';
import type { HostConnectionState } from '../src/host-snapshot';
import { labsTree } from '../src/labs-tree-model';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/tmp/vlm/host.sock' } };
const remote: HostDefinition = { name: 'lab-server', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab-server' } };
const row = (host: HostDefinition, state: HostConnectionState) => labsTree([{ host, state, labs: [] }])[0];

test('a host on qemu:///session says so in its description, and its tooltip says what that cannot do and how to get system', () => {
  const session = row(local, { status: 'connected', libvirt: 'session' });
  assert.equal(session?.description, 'this machine · session, no root');
  assert.match(session?.tooltip ?? '', /libvirt: qemu:\/\/\/session, the service user's own libvirt without root/);
  assert.match(session?.tooltip ?? '', /lab networks use qemu:\/\/\/system \(the libvirt group and a vlm-host run as root\)/);
  assert.equal(row(remote, { status: 'connected', libvirt: 'session' })?.description, 'session, no root');
});

test('system and simulated hosts name their libvirt in the tooltip; an older service that does not say adds nothing', () => {
  const system = row(local, { status: 'connected', libvirt: 'system' });
  assert.equal(system?.description, 'this machine');
  assert.match(system?.tooltip ?? '', /^libvirt: qemu:\/\/\/system\.$/m);
  const simulated = row(local, { status: 'connected', simulated: true, libvirt: 'test' });
  assert.equal(simulated?.description, 'this machine · simulated');
  assert.match(simulated?.tooltip ?? '', /libvirt: the test driver \(simulated VMs, nothing runs\)/);
  const older = row(local, { status: 'connected', details: ['host: 2 CPUs'] });
  assert.equal(older?.tooltip, 'This machine, reached through /tmp/vlm/host.sock\nConnected.\nhost: 2 CPUs');
  // Not connected: what it was is not claimed.
  assert.doesNotMatch(row(local, { status: 'disconnected', libvirt: 'session' })?.tooltip ?? '', /libvirt:/);
});
