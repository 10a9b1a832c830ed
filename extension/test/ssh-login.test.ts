// Logging in the ways Remote-SSH users expect, against OpenSSH's real sshd on loopback: a key
// with a passphrase, a real ssh-agent, ProxyJump through a real hop (read from an ssh_config),
// and keyboard-interactive (against an ssh2 server: sshd without PAM offers no
// keyboard-interactive, and root has no password here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Server as SshServer, utils as sshUtils } from 'ssh2';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { openRemoteHostClient, passphraseSecretKey } from '../src/remote/remote-host-client';
import { parseSshConfig } from '../src/remote/ssh-config';
import { resolveSshRoute } from '../src/remote/ssh-route';
import { keygen, MemorySecrets, scriptedPrompts, useRemoteFixture, type RemoteFixture, forwardStreamLocal } from './sshd-fixture';

const passphrase = 'open sesame';

function trustedKnownHosts(fixture: RemoteFixture, name: string): Promise<string> {
  const path = join(fixture.folder, `${name}-known_hosts`);
  return writeFile(path, `[127.0.0.1]:${fixture.destination.port} ${fixture.hostPublicKey}`).then(() => path);
}

function options(fixture: RemoteFixture, knownHostsPath: string, prompts: ReturnType<typeof scriptedPrompts>['prompts']) {
  return {
    destination: fixture.destination,
    socketPath: fixture.host.socketPath,
    knownHostsPath,
    identityFiles: [join(fixture.folder, 'locked_key')],
    agentSocket: '',
    secrets: new MemorySecrets(),
    prompts,
    timeoutMs: 15_000,
  };
}

function passphraseTests(fixture: RemoteFixture): void {
  before(async () => {
    keygen(join(fixture.folder, 'locked_key'), 'ed25519', passphrase);
    await appendFile(join(fixture.folder, 'authorized_keys'), await readFile(join(fixture.folder, 'locked_key.pub')));
  });

  test('a key with a passphrase: asked again after a wrong one, kept in the secret store when asked to, not asked next time', async () => {
    const knownHosts = await trustedKnownHosts(fixture, 'passphrase');
    const typed = scriptedPrompts({ passphrases: ['wrong', passphrase] });
    const secrets = new MemorySecrets();
    const client = await openRemoteHostClient({ ...options(fixture, knownHosts, typed.prompts), secrets, rememberPassphrases: true });
    assert.equal(client.info.driver, 'test');
    client.dispose();
    const keyPath = join(fixture.folder, 'locked_key');
    assert.deepEqual(typed.more.passphrases, [
      { path: keyPath, retry: false },
      { path: keyPath, retry: true },
    ]);
    assert.equal(secrets.values.get(passphraseSecretKey(keyPath)), passphrase);

    const silent = scriptedPrompts({});
    const again = await openRemoteHostClient({ ...options(fixture, knownHosts, silent.prompts), secrets });
    again.dispose();
    assert.deepEqual(silent.more.passphrases, [], 'the stored passphrase was used');
  });

  test('without rememberPassphrases nothing is stored; skipping the key leaves no way in, and says so', async () => {
    const knownHosts = await trustedKnownHosts(fixture, 'passphrase-once');
    const typed = scriptedPrompts({ passphrases: [passphrase] });
    const secrets = new MemorySecrets();
    const client = await openRemoteHostClient({ ...options(fixture, knownHosts, typed.prompts), secrets });
    client.dispose();
    assert.equal(secrets.values.size, 0);

    const skipped = scriptedPrompts({ passphrases: [undefined] });
    await assert.rejects(openRemoteHostClient(options(fixture, knownHosts, skipped.prompts)), /Could not log in to .*127\.0\.0\.1/);
  });
}

function agentTests(fixture: RemoteFixture): void {
  const agent = { socket: '', process: undefined as ChildProcess | undefined };
  before(async () => {
    keygen(join(fixture.folder, 'agent_key'));
    await appendFile(join(fixture.folder, 'authorized_keys'), await readFile(join(fixture.folder, 'agent_key.pub')));
    agent.socket = join(fixture.folder, 'agent.sock');
    agent.process = spawn('ssh-agent', ['-D', '-a', agent.socket], { stdio: 'ignore' });
    await waitUntil('ssh-agent to listen', () => existsSync(agent.socket), 10_000);
    const added = spawnSync('ssh-add', [join(fixture.folder, 'agent_key')], {
      env: { ...process.env, SSH_AUTH_SOCK: agent.socket },
      encoding: 'utf8',
    });
    assert.equal(added.status, 0, added.stderr);
    // The key file goes: only the agent holds it now.
    await rm(join(fixture.folder, 'agent_key'));
  });
  after(async () => {
    if (agent.process && agent.process.exitCode === null) {
      agent.process.kill('SIGTERM');
      await once(agent.process, 'exit');
    }
  });

  test('the SSH agent logs in with a key no file holds', async () => {
    const knownHosts = await trustedKnownHosts(fixture, 'agent');
    const prompts = scriptedPrompts({});
    const client = await openRemoteHostClient({
      ...options(fixture, knownHosts, prompts.prompts),
      identityFiles: [],
      agentSocket: agent.socket,
    });
    assert.equal(client.info.driver, 'test');
    client.dispose();
    assert.deepEqual(prompts.more.passphrases, []);
  });
}

function proxyJumpTests(fixture: RemoteFixture): void {
  test('ProxyJump from ~/.ssh/config: through the hop to the target, each checked against known_hosts, then to the host service', async () => {
    const port = fixture.destination.port;
    const config = parseSshConfig(
      [
        'Host lab',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        '  ProxyJump bastion',
        'Host bastion',
        '  HostName localhost',
        `  Port ${port}`,
        `  IdentityFile ${join(fixture.folder, 'client_key')}`,
        'Host *',
        `  User ${fixture.destination.user}`,
        `  IdentityFile ${join(fixture.folder, 'client_key')}`,
      ].join('\n'),
      'config',
    );
    const { jumps, target } = resolveSshRoute('lab', config, { home: fixture.folder, localUser: 'nobody' });
    const knownHosts = join(fixture.folder, 'jump-known_hosts');
    const prompts = scriptedPrompts({ acceptKey: true });
    const client = await openRemoteHostClient({
      ...options(fixture, knownHosts, prompts.prompts),
      destination: { user: target.user, host: target.host, port: target.port },
      identityFiles: target.identityFiles,
      jumps: jumps.map((hop) => ({ destination: { user: hop.user, host: hop.host, port: hop.port }, identityFiles: hop.identityFiles })),
    });
    assert.equal(client.info.driver, 'test');
    client.dispose();
    // The hop (as "localhost") and the target (as 127.0.0.1) were each asked about, in that order.
    assert.deepEqual(
      prompts.asked.keys.map((key) => key.name),
      [`[localhost]:${port}`, `[127.0.0.1]:${port}`],
    );
  });

  test('a hop that cannot reach the next host says which hop and why', async () => {
    const knownHosts = await trustedKnownHosts(fixture, 'jump-refused');
    const prompts = scriptedPrompts({});
    await assert.rejects(
      openRemoteHostClient({
        ...options(fixture, knownHosts, prompts.prompts),
        identityFiles: [join(fixture.folder, 'client_key')],
        destination: { ...fixture.destination, port: 1 },
        jumps: [{ destination: fixture.destination, identityFiles: [join(fixture.folder, 'client_key')] }],
      }),
      /Logged in to the jump host .*127\.0\.0\.1.*would not connect on to .*127\.0\.0\.1:1/,
    );
  });
}

/** An ssh2 server that asks two keyboard-interactive questions and forwards to the fixture's vlm-host. */
function useKeyboardServer(fixture: RemoteFixture) {
  const server = { port: 0, knownHosts: '', instance: undefined as SshServer | undefined };
  before(async () => {
    const key = await readFile(join(fixture.folder, 'other_key'), 'utf8');
    server.instance = new SshServer({ hostKeys: [key] }, (connection) => {
      connection.on('authentication', (context) => {
        if (context.method !== 'keyboard-interactive') return context.reject(['keyboard-interactive']);
        context.prompt(
          [
            { prompt: 'Password: ', echo: false },
            { prompt: 'Verification code: ', echo: true },
          ],
          'Lab login',
          'Two answers, please.',
          (answers) => (answers[0] === 'secret' && answers[1] === '123456' ? context.accept() : context.reject(['keyboard-interactive'])),
        );
      });
      connection.on('ready', () => forwardStreamLocal(connection));
      connection.on('error', () => undefined);
    });
    server.instance.listen(0, '127.0.0.1');
    await once(server.instance, 'listening');
    server.port = (server.instance.address() as { port: number }).port;
    const parsed = sshUtils.parseKey(key);
    const blob = (Array.isArray(parsed) ? parsed[0] : parsed) as { getPublicSSH(): Buffer };
    server.knownHosts = join(fixture.folder, 'keyboard-known_hosts');
    await writeFile(server.knownHosts, `[127.0.0.1]:${server.port} ssh-ed25519 ${blob.getPublicSSH().toString('base64')}\n`);
  });
  after(() => new Promise<void>((resolve) => (server.instance ? server.instance.close(() => resolve()) : resolve())));
  return server;
}

function keyboardTests(fixture: RemoteFixture): void {
  const server = useKeyboardServer(fixture);
  const keyboardOptions = (prompts: ReturnType<typeof scriptedPrompts>['prompts']) => ({
    ...options(fixture, server.knownHosts, prompts),
    destination: { user: 'lab', host: '127.0.0.1', port: server.port },
    identityFiles: [],
  });

  test("keyboard-interactive shows the server's questions, masked where it asks, and is asked again after a wrong answer", async () => {
    const prompts = scriptedPrompts({
      keyboard: [
        ['secret', '000000'],
        ['secret', '123456'],
      ],
    });
    const client = await openRemoteHostClient(keyboardOptions(prompts.prompts));
    assert.equal(client.info.driver, 'test');
    client.dispose();
    assert.equal(prompts.more.keyboard.length, 2);
    assert.deepEqual(prompts.more.keyboard[0], {
      name: 'Lab login',
      instructions: 'Two answers, please.',
      prompts: [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Verification code: ', echo: true },
      ],
    });
  });

  test('cancelling keyboard-interactive cancels quietly, without asking again', async () => {
    const prompts = scriptedPrompts({ keyboard: [undefined, ['secret', '123456']] });
    await assert.rejects(openRemoteHostClient(keyboardOptions(prompts.prompts)), (error: Error) => error.name === 'Canceled');
    assert.equal(prompts.more.keyboard.length, 1);
  });
}

describe('SSH logins against a real sshd', () => {
  const fixture = useRemoteFixture();
  describe('passphrases', () => passphraseTests(fixture));
  describe('the agent', () => agentTests(fixture));
  describe('ProxyJump', () => proxyJumpTests(fixture));
  describe('keyboard-interactive', () => keyboardTests(fixture));
});
