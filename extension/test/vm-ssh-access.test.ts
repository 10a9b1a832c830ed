// Reaching a VM's SSH from the user's machine: the copied `ssh -J` line and VLM's ssh_config for
// Remote-SSH, checked word by word and then run with the system `ssh` against OpenSSH's sshd on
// loopback (which stands for both the remote host and the VM's forwarded port).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireCommand } from '../../host-service/local-libvirt/require-command';
import { parseSshConfig } from '../src/remote/ssh-config';
import { resolveSshRoute } from '../src/remote/ssh-route';
import {
  includedUserConfig,
  managedSshConfig,
  managedSshConfigPath,
  shellQuote,
  vmSshAlias,
  vmSshCommand,
  vmSshWords,
} from '../src/remote/vm-ssh-access';
import { useRemoteFixture } from './sshd-fixture';

describe('the ssh line and the managed ssh_config', () => {
  test('a VM on this machine: ssh to its loopback forward; one behind a remote host: -J with its user and port', () => {
    assert.equal(vmSshCommand({ hostName: 'local', domain: 'lab-web', sshPort: 2201 }), 'ssh -p 2201 root@127.0.0.1');
    assert.equal(
      vmSshCommand({ hostName: 'lab', domain: 'lab-web', sshPort: 2201, hostDestination: 'admin@lab-server:2222' }),
      'ssh -J admin@lab-server:2222 -o HostKeyAlias=vlm.lab.lab-web -p 2201 root@127.0.0.1',
    );
    assert.equal(
      vmSshCommand({ hostName: 'lab', domain: 'web', sshPort: 22, hostDestination: 'admin@[::1]:2222' }),
      "ssh -J 'admin@[::1]:2222' -o HostKeyAlias=vlm.lab.web -p 22 root@127.0.0.1",
    );
  });

  test('shell quoting: anything special goes in single quotes, quotes inside are closed and escaped', () => {
    assert.equal(shellQuote('plain-word_1.2:3@x'), 'plain-word_1.2:3@x');
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("it's $(id) `id` a;b"), `'it'\\''s $(id) \`id\` a;b'`);
    const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote("it's $(id) `id` a;b\n*")}`], { encoding: 'utf8' });
    assert.equal(echoed.stdout, "it's $(id) `id` a;b\n*");
  });

  test('hostile names never reach the line: destinations, VM names, ports', () => {
    const base = { hostName: 'lab', domain: 'web', sshPort: 2201 };
    for (const hostDestination of ['-oProxyCommand=touch /tmp/x', 'a b', 'root@host;id', 'x@$(id)', 'host:99999', '']) {
      assert.throws(() => vmSshWords({ ...base, hostDestination }), /Host lab: (its SSH destination|the port in)/, hostDestination);
    }
    assert.throws(() => vmSshWords({ ...base, domain: 'web;id' }), /VM "web;id": its name has characters/);
    assert.throws(() => vmSshWords({ ...base, domain: '-oProxyCommand=x' }), /its name has characters/);
    assert.throws(() => vmSshWords({ ...base, sshPort: 0 }), /SSH port 0 is not a port number/);
    assert.throws(() => vmSshWords({ ...base, hostName: 'Bad Name' }), /not a valid host name/);
    assert.throws(() => managedSshConfig([base], '/home/a"b/.ssh/config'), /cannot be written into an ssh_config file/);
    // ssh passes -F on to a jump host's ssh through a shell, unquoted: seen failing with a space.
    assert.throws(() => managedSshConfigPath('/Users/Ada Lovelace'), /cannot pass a path with spaces or quotes on to a jump host/);
    assert.equal(managedSshConfigPath('/home/ada'), '/home/ada/.ssh/vlm_config');
  });

  test('the managed ssh_config reads back, through our own parser, as the route ssh takes', () => {
    const text = managedSshConfig([{ hostName: 'lab', domain: 'web', sshPort: 2201, hostDestination: 'admin@lab-server:2222' }], undefined);
    const { jumps, target } = resolveSshRoute('vlm.lab.web', parseSshConfig(text, 'vlm'), { home: '/home/a', localUser: 'a' });
    assert.deepEqual(
      jumps.map((hop) => [hop.user, hop.host, hop.port]),
      [['admin', 'lab-server', 2222]],
    );
    assert.deepEqual([target.user, target.host, target.port], ['root', '127.0.0.1', 2201]);
  });
});

test("VLM's file includes the config Remote-SSH read before it, else ~/.ssh/config, never itself", () => {
  const managed = '/home/ada/.ssh/vlm_config';
  assert.equal(includedUserConfig('', managed, undefined, '/home/ada'), '/home/ada/.ssh/config');
  assert.equal(includedUserConfig('/home/ada/work.config', managed, undefined, '/home/ada'), '/home/ada/work.config');
  // Already pointed at VLM's file: the one it replaced, remembered.
  assert.equal(includedUserConfig(managed, managed, '/home/ada/work.config', '/home/ada'), '/home/ada/work.config');
  assert.equal(includedUserConfig(managed, managed, undefined, '/home/ada'), '/home/ada/.ssh/config');
});

describe('run with the system ssh against sshd on loopback', () => {
  const fixture = useRemoteFixture();

  /** The user's own ssh settings in this test: our key, a known_hosts of our own, never a prompt. */
  async function userConfig(name: string): Promise<{ config: string; knownHosts: string }> {
    requireCommand('ssh', 'openssh-client');
    const config = join(fixture.folder, `${name}-config`);
    const knownHosts = join(fixture.folder, `${name}-known_hosts`);
    await writeFile(
      config,
      [
        'Host *',
        `  IdentityFile ${join(fixture.folder, 'client_key')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  StrictHostKeyChecking accept-new',
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    return { config, knownHosts };
  }

  test('the copied ssh -J line reaches the "VM" through the "remote host"', async () => {
    const { config, knownHosts } = await userConfig('line');
    const { user, port } = fixture.destination;
    const line = vmSshCommand({ hostName: 'lab', domain: 'web', sshPort: port, hostDestination: `${user}@localhost:${port}` });
    // The user's own settings come from -F here, as they would from ~/.ssh/config.
    const run = spawnSync('sh', ['-c', `${line.replace(/^ssh /, `ssh -F ${shellQuote(config)} `)} echo reached-vm`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `${line}\n${run.stderr}\nsshd: ${fixture.sshdOutput.slice(-2000)}`);
    assert.equal(run.stdout.trim(), 'reached-vm');
    const recorded = await readFile(knownHosts, 'utf8');
    assert.match(recorded, /^vlm\.lab\.web ssh-ed25519 /m, 'the VM key is recorded under its alias');
    assert.match(
      recorded,
      new RegExp(`^\\[localhost\\]:${port} ssh-ed25519 `, 'm'),
      'and the jump host (localhost: ssh refuses a jump to the same name) under its own',
    );
  });

  test("Remote-SSH's way: ssh -F VLM's file with the alias, the user's config included, through the jump", async () => {
    const { config } = await userConfig('managed');
    const { user, port } = fixture.destination;
    const target = { hostName: 'lab', domain: 'web', sshPort: port, hostDestination: `${user}@localhost:${port}` };
    const managed = managedSshConfigPath(fixture.folder);
    await mkdir(dirname(managed), { recursive: true });
    await writeFile(managed, managedSshConfig([target], config));
    const run = spawnSync('ssh', ['-F', managed, vmSshAlias(target), 'echo', 'reached-through-alias'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'reached-through-alias');
  });
});
