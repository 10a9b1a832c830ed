// Which secrets go with a removed host: its own password, its jump hosts' and its key files'
// passphrases, but never one that a remaining host still uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostSecretKeys, secretKeysToDelete } from '../src/remote/host-secrets';
import { parseSshConfig } from '../src/remote/ssh-config';
import { resolveSshRoute } from '../src/remote/ssh-route';

const config = parseSshConfig(
  [
    'Host lab',
    '  HostName lab.example.org',
    '  User admin',
    '  IdentityFile ~/.ssh/lab_key',
    '  ProxyJump bastion',
    'Host other',
    '  ProxyJump bastion',
    'Host bastion',
    '  User ops',
    'Host evil',
    '  ProxyCommand nc %h %p',
  ].join('\n'),
  'config',
);
const routeOf = (destination: string) => resolveSshRoute(destination, config, { home: '/home/ada', localUser: 'ada' });

test("a host's secrets: the passwords along its route and its key files' passphrases", () => {
  assert.deepEqual(hostSecretKeys('lab', routeOf), [
    'vlm.ssh.password/ops@bastion',
    'vlm.ssh.password/admin@lab.example.org',
    'vlm.ssh.passphrase//home/ada/.ssh/lab_key',
  ]);
  // A destination ssh_config now refuses still finds the password stored under its own name.
  assert.deepEqual(hostSecretKeys('root@evil:2222', routeOf), ['vlm.ssh.password/root@evil:2222']);
  assert.deepEqual(hostSecretKeys('not a destination at all', routeOf), []);
});

test('removing a host deletes its secrets except those a remaining host shares', () => {
  assert.deepEqual(secretKeysToDelete('lab', ['other'], routeOf), [
    'vlm.ssh.password/admin@lab.example.org',
    'vlm.ssh.passphrase//home/ada/.ssh/lab_key',
  ]);
  assert.deepEqual(secretKeysToDelete('lab', [], routeOf).length, 3);
});
