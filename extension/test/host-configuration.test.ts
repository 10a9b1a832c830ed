import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultLocalSocket,
  hostsWithChanges,
  hostsWithout,
  readHostConfiguration,
  sshDestinationProblem,
} from '../src/host-configuration';

const environment = { XDG_RUNTIME_DIR: '/run/user/1000' };

test('the local host comes first and listens at the default socket', () => {
  const { hosts, problems } = readHostConfiguration({ localEnabled: true, localSocket: '', hosts: [] }, environment, 1000);
  assert.deepEqual(problems, []);
  assert.deepEqual(hosts, [{ name: 'local', isLocal: true, address: { kind: 'socket', path: '/run/user/1000/vlm/vlm-host.sock' } }]);
});

test('the default socket is where the host service listens: /run/vlm for root, else the runtime folder', () => {
  assert.equal(defaultLocalSocket({ XDG_RUNTIME_DIR: '/run/user/0' }, 0), '/run/vlm/vlm-host.sock');
  assert.equal(defaultLocalSocket(environment, 1000), '/run/user/1000/vlm/vlm-host.sock');
  assert.equal(defaultLocalSocket({}, 1234), '/run/user/1234/vlm/vlm-host.sock');
});

test('vlm.localHost.socket overrides the default, and the local host can be turned off', () => {
  const custom = readHostConfiguration({ localEnabled: true, localSocket: ' /tmp/vlm.sock ', hosts: [] }, environment, 1000);
  assert.deepEqual(custom.hosts[0]?.address, { kind: 'socket', path: '/tmp/vlm.sock' });
  assert.deepEqual(readHostConfiguration({ localEnabled: false, localSocket: '', hosts: [] }, environment, 1000).hosts, []);
});

test('hosts of vlm.hosts follow, reached over SSH or through a socket', () => {
  const { hosts, problems } = readHostConfiguration(
    {
      localEnabled: true,
      localSocket: '',
      hosts: [
        { name: 'lab-server', ssh: 'admin@lab-server' },
        { name: 'shared', socket: '/srv/vlm/host.sock' },
      ],
    },
    environment,
    1000,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    hosts.map((host) => [host.name, host.isLocal, host.address]),
    [
      ['local', true, { kind: 'socket', path: '/run/user/1000/vlm/vlm-host.sock' }],
      ['lab-server', false, { kind: 'ssh', destination: 'admin@lab-server' }],
      ['shared', false, { kind: 'socket', path: '/srv/vlm/host.sock' }],
    ],
  );
});

test('bad entries are left out, each with a reason that names it', () => {
  const { hosts, problems } = readHostConfiguration(
    {
      localEnabled: true,
      localSocket: '',
      hosts: [
        'lab-server',
        { name: 'Lab Server', ssh: 'a@b' },
        { name: 'local', ssh: 'a@b' },
        { name: 'nowhere' },
        { name: 'ok', ssh: 'a@b' },
      ],
    },
    environment,
    1000,
  );
  assert.deepEqual(
    hosts.map((host) => host.name),
    ['local', 'ok'],
  );
  assert.equal(problems.length, 4);
  assert.match(problems[0] ?? '', /vlm\.hosts\[0\]/);
  assert.match(problems[1] ?? '', /vlm\.hosts\[1\].*lowercase/);
  assert.match(problems[2] ?? '', /"local" is already taken/);
  assert.match(problems[3] ?? '', /"nowhere".*"ssh" destination or a "socket"/);
});

test('a vlm.hosts that is not a list is reported, not thrown', () => {
  const { hosts, problems } = readHostConfiguration({ localEnabled: true, localSocket: '', hosts: { name: 'x' } }, environment, 1000);
  assert.equal(hosts.length, 1);
  assert.match(problems[0] ?? '', /must be a list/);
});

test('SSH destinations: user@host and host[:port] pass, shell syntax does not', () => {
  assert.equal(sshDestinationProblem('admin@lab-server'), undefined);
  assert.equal(sshDestinationProblem('lab-server.example:2222'), undefined);
  assert.match(sshDestinationProblem('') ?? '', /Type where the host is/);
  assert.match(sshDestinationProblem('admin@host; rm -rf /') ?? '', /user@host/);
  assert.match(sshDestinationProblem('$(whoami)@host') ?? '', /user@host/);
});

test('remoteSocket: where the service listens on an SSH host; a relative or odd path leaves the host out, saying why', () => {
  const { hosts, problems } = readHostConfiguration(
    {
      localEnabled: false,
      localSocket: '',
      hosts: [
        { name: 'lab', ssh: 'admin@lab', remoteSocket: '/srv/vlm/host.sock' },
        { name: 'rel', ssh: 'admin@rel', remoteSocket: 'run/vlm.sock' },
        { name: 'odd', ssh: 'admin@odd', remoteSocket: '/run/x\n.sock' },
      ],
    },
    environment,
    1000,
  );
  assert.deepEqual(hosts, [
    { name: 'lab', isLocal: false, address: { kind: 'ssh', destination: 'admin@lab', socketPath: '/srv/vlm/host.sock' } },
  ]);
  assert.match(problems[0] ?? '', /vlm\.hosts\[1\] \("rel"\): remoteSocket: Give the absolute path/);
  assert.match(problems[1] ?? '', /vlm\.hosts\[2\] \("odd"\): remoteSocket: The path holds a control character/);
});

test('editing vlm.hosts keeps the other entries as they are; removing takes only the named one', () => {
  const hosts = [{ name: 'a', ssh: 'a@a', comment: 'kept' }, { name: 'b', ssh: 'b@b', remoteSocket: '/x.sock' }, 'junk'];
  assert.deepEqual(hostsWithChanges(hosts, 'b', { ssh: 'root@b:2222', remoteSocket: undefined }), [
    hosts[0],
    { name: 'b', ssh: 'root@b:2222' },
    'junk',
  ]);
  assert.deepEqual(hostsWithout(hosts, 'a'), [hosts[1], 'junk']);
  assert.deepEqual(hostsWithout('not a list', 'a'), []);
});
