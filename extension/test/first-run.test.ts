import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostDefinition } from '../src/host-configuration';
import type { HostSnapshot } from '../src/host-snapshot';
import { classifyReason, hostProblem, viewMessage, welcomeProblem } from '../src/first-run';

const local: HostDefinition = { name: 'local', isLocal: true, address: { kind: 'socket', path: '/tmp/vlm-host.sock' } };
const remote: HostDefinition = { name: 'lab-server', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab-server' } };

const disconnected = (host: HostDefinition, reason: string): HostSnapshot => ({
  host,
  state: { status: 'disconnected', reason },
  labs: [],
});

test('with a host connected there is no problem, and the view shows its rows', () => {
  const snapshots: HostSnapshot[] = [
    disconnected(remote, 'connect ECONNREFUSED'),
    { host: local, state: { status: 'connected' }, labs: [] },
  ];
  assert.equal(hostProblem(snapshots), undefined);
});

test('the service that exited says its last stderr line, and a missing D-Bus or libvirt-dbus reads as missing libvirt', () => {
  const reason =
    'vlm-host exited with code 1 before it listened on /tmp/s/vlm-host.sock: vlm-host: Cannot connect to D-Bus at the system bus: connect ENOENT /run/dbus/system_bus_socket. See the Virtual Labs log.';
  const problem = hostProblem([disconnected(local, reason)]);
  assert.equal(problem?.kind, 'missing-libvirt');
  assert.equal(problem?.message, `This machine (local): ${reason}`);
  // Beside the view's title: the service's own last line.
  assert.equal(problem?.summary, 'Cannot connect to D-Bus at the system bus: connect ENOENT /run/dbus/system_bus_socket');
  assert.equal(
    classifyReason('get capabilities failed: libvirt-dbus is not on the bus (org.freedesktop.DBus.Error.ServiceUnknown)'),
    'missing-libvirt',
  );
});

test('each reason sorts into what the user can do about it', () => {
  assert.equal(classifyReason('connect EACCES /run/vlm/vlm-host.sock'), 'socket-permission');
  // Permission wins over the D-Bus words: the fix is the group, not an install.
  assert.equal(classifyReason('Cannot connect to D-Bus: Permission denied'), 'socket-permission');
  assert.equal(
    classifyReason('vlm-host exited with code 3 before it listened on /x: out of memory. See the Virtual Labs log.'),
    'service-exited',
  );
  assert.equal(classifyReason('vlm-host was ended by SIGKILL before it listened on /x. See the Virtual Labs log.'), 'service-exited');
  assert.equal(classifyReason('connect ENOENT /run/user/1000/vlm/vlm-host.sock'), 'no-service');
  assert.equal(classifyReason('connect ECONNREFUSED /run/vlm/vlm-host.sock'), 'no-service');
  assert.equal(classifyReason('Host key verification was refused.'), 'unreachable');
});

test('the welcome replaces the rows only while every host is this machine: added hosts keep their rows', () => {
  assert.equal(welcomeProblem([disconnected(local, 'connect ENOENT /run/vlm/vlm-host.sock')])?.kind, 'no-service');
  assert.equal(welcomeProblem([disconnected(local, 'connect ENOENT /x'), disconnected(remote, 'connect ECONNREFUSED')]), undefined);
  assert.equal(welcomeProblem([disconnected(remote, 'connect ECONNREFUSED')]), undefined);
  assert.equal(welcomeProblem([])?.kind, 'no-hosts');
});

test('no hosts at all, and hosts still connecting, have their own words', () => {
  assert.equal(hostProblem([])?.kind, 'no-hosts');
  const connecting = hostProblem([disconnected(remote, 'x'), { host: local, state: { status: 'connecting' }, labs: [] }]);
  assert.deepEqual(connecting, { kind: 'connecting', message: 'Connecting to this machine (local)…', summary: 'connecting…' });
  // A host not tried yet connects as soon as the view shows it: it is not a failure.
  const untried = hostProblem([{ host: local, state: { status: 'disconnected', reason: 'Not connected yet.', untried: true }, labs: [] }]);
  assert.equal(untried?.kind, 'connecting');
});

test('the local host speaks first; other hosts are counted; a long multi-line reason becomes one clipped line', () => {
  const long = `vlm-host exited with code 1\n${'x'.repeat(600)}`;
  const problem = hostProblem([disconnected(remote, 'connect ECONNREFUSED'), disconnected(local, long)]);
  assert.ok(problem?.message.startsWith('This machine (local): vlm-host exited with code 1 xxx'));
  assert.ok(problem?.message.endsWith('… (and 1 other host not connected)'));
  assert.ok((problem?.message.length ?? 0) < 460);
  assert.equal(hostProblem([disconnected(remote, 'connect ECONNREFUSED')])?.message, 'Host lab-server: connect ECONNREFUSED');
  assert.equal(hostProblem([disconnected(remote, 'connect ECONNREFUSED.')])?.summary, 'connect ECONNREFUSED');
  assert.ok((problem?.summary.length ?? 0) <= 160);
});

test("the view's message, which would hide the welcome, is only the filter's while hosts show", () => {
  assert.equal(viewMessage({ kind: 'no-service', message: 'Host x: down', summary: 'x: down' }, 'web'), undefined);
  assert.equal(viewMessage(undefined, 'web'), 'Showing labs and VMs matching "web"');
  assert.equal(viewMessage(undefined, ''), undefined);
});
