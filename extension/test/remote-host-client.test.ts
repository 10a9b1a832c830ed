// Remote hosts over SSH, for real: OpenSSH's sshd on 127.0.0.1 (sshd-fixture.ts) with its own host key and
// authorized_keys in a temp folder, in front of a real vlm-host on libvirt's test driver. The
// password path runs against an ssh2 server (root has no password to test with) that forwards
// to the same vlm-host socket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Server as SshServer, utils as sshUtils } from 'ssh2';
import { openRemoteHostClient, passwordSecretKey, type RemoteHostPrompts, type SecretStore } from '../src/remote/remote-host-client';
import { knownHostsName } from '../src/remote/known-hosts';
import type { SshDestination } from '../src/remote/ssh-destination';
import {
  fingerprintOf,
  keygen,
  MemorySecrets,
  type RemoteFixture,
  scriptedPrompts,
  useRemoteFixture,
  forwardStreamLocal,
} from './sshd-fixture';

function remoteOptions(fixture: RemoteFixture, knownHostsPath: string, prompts: RemoteHostPrompts, secrets = new MemorySecrets()) {
  return {
    destination: fixture.destination,
    socketPath: fixture.host.socketPath,
    knownHostsPath,
    identityFiles: [join(fixture.folder, 'client_key')],
    agentSocket: '',
    secrets,
    prompts,
    timeoutMs: 15_000,
  };
}

function hostKeyAndSocketTests(fixture: RemoteFixture): void {
  test('an unknown host key is shown with its SHA256 fingerprint; accepting records it, and the host answers over the forwarded socket', async () => {
    const knownHosts = join(fixture.folder, 'accept', 'known_hosts');
    const first = scriptedPrompts({ acceptKey: true });
    const client = await openRemoteHostClient(remoteOptions(fixture, knownHosts, first.prompts)).catch((error: Error) => {
      throw new Error(`${error.message}\nsshd said:\n${fixture.sshdOutput}`);
    });
    try {
      assert.equal(client.info.driver, 'test');
      assert.equal(first.asked.keys.length, 1);
      assert.equal(first.asked.keys[0]?.fingerprint, fingerprintOf(join(fixture.folder, 'host_key.pub')));
      assert.equal(first.asked.keys[0]?.keyType, 'ssh-ed25519');
      assert.equal(first.asked.keys[0]?.name, `[127.0.0.1]:${fixture.destination.port}`);
    } finally {
      client.dispose();
    }
    const recorded = await readFile(knownHosts, 'utf8');
    assert.equal(
      recorded,
      `${knownHostsName('127.0.0.1', fixture.destination.port)} ${fixture.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`,
    );
    // `ssh` itself accepts the line we wrote.
    const found = spawnSync('ssh-keygen', ['-F', `[127.0.0.1]:${fixture.destination.port}`, '-f', knownHosts], { encoding: 'utf8' });
    assert.equal(found.status, 0);

    const second = scriptedPrompts({ acceptKey: false });
    const again = await openRemoteHostClient(remoteOptions(fixture, knownHosts, second.prompts));
    again.dispose();
    assert.equal(second.asked.keys.length, 0, 'a recorded key is not asked about again');
  });

  test('declining an unknown key cancels quietly and records nothing', async () => {
    const knownHosts = join(fixture.folder, 'decline-known_hosts');
    const declined = scriptedPrompts({ acceptKey: false });
    await assert.rejects(
      openRemoteHostClient(remoteOptions(fixture, knownHosts, declined.prompts)),
      (error: Error) => error.name === 'Canceled',
    );
    assert.equal(declined.asked.keys.length, 1);
    await assert.rejects(readFile(knownHosts, 'utf8'), { code: 'ENOENT' });
  });

  test('a changed host key is refused loudly, without asking', async () => {
    const knownHosts = join(fixture.folder, 'changed-known_hosts');
    const other = (await readFile(join(fixture.folder, 'other_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(knownHosts, `[127.0.0.1]:${fixture.destination.port} ${other}\n`);
    const prompts = scriptedPrompts({ acceptKey: true });
    await assert.rejects(
      openRemoteHostClient(remoteOptions(fixture, knownHosts, prompts.prompts)),
      /host key of \[127\.0\.0\.1\]:\d+ has CHANGED.*Refusing to connect.*ssh-keygen -R/,
    );
    assert.equal(prompts.asked.keys.length, 0);
    assert.equal(await readFile(knownHosts, 'utf8'), `[127.0.0.1]:${fixture.destination.port} ${other}\n`);
  });

  test('a key the server does not know is refused with what to do', async () => {
    const knownHosts = join(fixture.folder, 'wrong-user-known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${fixture.destination.port} ${fixture.hostPublicKey}`);
    const prompts = scriptedPrompts({ passwords: [] });
    await assert.rejects(
      openRemoteHostClient({ ...remoteOptions(fixture, knownHosts, prompts.prompts), identityFiles: [join(fixture.folder, 'other_key')] }),
      /Could not log in to .*127\.0\.0\.1/,
    );
  });

  test('a wrong socket path says the login worked but the service is not there', async () => {
    const knownHosts = join(fixture.folder, 'socket-known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${fixture.destination.port} ${fixture.hostPublicKey}`);
    await assert.rejects(
      openRemoteHostClient({
        ...remoteOptions(fixture, knownHosts, scriptedPrompts({}).prompts),
        socketPath: join(fixture.folder, 'nothing.sock'),
      }),
      /Logged in to .*could not reach the host service's socket .*nothing\.sock/,
    );
  });
}

const password = 'correct horse battery';

interface PasswordServer {
  server: SshServer;
  destination: SshDestination;
  key: string;
  /** Every password a client sent to this server. */
  passwordsSeen: string[];
  /** A known_hosts file that trusts this server. */
  trusted(): Promise<string>;
  options(knownHostsPath: string, prompts: RemoteHostPrompts, secrets: SecretStore): Parameters<typeof openRemoteHostClient>[0];
}

/** An ssh2 server taking only the password above for user `lab`, forwarding to the fixture's vlm-host. */
function usePasswordServer(fixture: RemoteFixture): PasswordServer {
  const server = { passwordsSeen: [] as string[] } as PasswordServer;
  before(async () => {
    server.key = await readFile(join(fixture.folder, 'other_key'), 'utf8');
    server.server = new SshServer({ hostKeys: [server.key] }, (connection) => {
      connection.on('authentication', (context) => {
        if (context.method === 'password') server.passwordsSeen.push(context.password);
        if (context.method === 'password' && context.username === 'lab' && context.password === password) context.accept();
        else context.reject(['password']);
      });
      connection.on('ready', () => forwardStreamLocal(connection));
      connection.on('error', () => undefined);
    });
    server.server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    server.destination = { user: 'lab', host: '127.0.0.1', port: (server.server.address() as { port: number }).port };
  });

  after(() => new Promise<void>((resolve) => server.server.close(() => resolve())));

  server.trusted = async () => {
    const path = join(fixture.folder, `password-known_hosts-${Math.random().toString(16).slice(2)}`);
    const parsed = sshUtils.parseKey(server.key);
    const blob = (Array.isArray(parsed) ? parsed[0] : parsed) as { getPublicSSH(): Buffer };
    await writeFile(path, `[127.0.0.1]:${server.destination.port} ssh-ed25519 ${blob.getPublicSSH().toString('base64')}\n`);
    return path;
  };
  server.options = (knownHostsPath, prompts, secrets) => ({
    destination: server.destination,
    socketPath: fixture.host.socketPath,
    knownHostsPath,
    identityFiles: [],
    agentSocket: '',
    secrets,
    prompts,
    timeoutMs: 15_000,
  });
  return server;
}

function storedPasswordTests(server: PasswordServer): void {
  test('a typed password is kept in the secret store, and the next connection needs no prompt', async () => {
    const secrets = new MemorySecrets();
    const knownHosts = await server.trusted();
    const typed = scriptedPrompts({ passwords: ['wrong', password] });
    const client = await openRemoteHostClient(server.options(knownHosts, typed.prompts, secrets));
    assert.equal(client.info.driver, 'test');
    client.dispose();
    assert.deepEqual(typed.asked.passwords, [false, true], 'asked again, saying the first was refused');
    assert.equal(secrets.values.get(passwordSecretKey(server.destination)), password);

    const silent = scriptedPrompts({});
    const again = await openRemoteHostClient(server.options(knownHosts, silent.prompts, secrets));
    again.dispose();
    assert.deepEqual(silent.asked.passwords, []);
  });

  test('a stored password that stopped working is forgotten and asked for', async () => {
    const secrets = new MemorySecrets();
    await secrets.store(passwordSecretKey(server.destination), 'old password');
    const typed = scriptedPrompts({ passwords: [undefined] });
    await assert.rejects(
      openRemoteHostClient(server.options(await server.trusted(), typed.prompts, secrets)),
      (error: Error) => error.name === 'Canceled',
    );
    assert.deepEqual(typed.asked.passwords, [true]);
    assert.equal(secrets.values.size, 0);
  });
}

function hostKeyTypeTests(fixture: RemoteFixture, server: PasswordServer): void {
  test('a known host presenting a key of another type is refused as CHANGED, and the stored password is never sent', async () => {
    // The server's key is ed25519; known_hosts knows this host only by an RSA key.
    const knownHosts = join(fixture.folder, 'other-type-known_hosts');
    keygen(join(fixture.folder, 'rsa_key'), 'rsa');
    const rsa = (await readFile(join(fixture.folder, 'rsa_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(knownHosts, `[127.0.0.1]:${server.destination.port} ${rsa}\n`);
    const secrets = new MemorySecrets();
    await secrets.store(passwordSecretKey(server.destination), password);
    const prompts = scriptedPrompts({ acceptKey: true, passwords: [password] });
    const methodsBefore = server.passwordsSeen.length;
    await assert.rejects(
      openRemoteHostClient(server.options(knownHosts, prompts.prompts, secrets)),
      /host key of \[127\.0\.0\.1\]:\d+ has CHANGED \(now ssh-ed25519 SHA256:\S+; .* knows it only by a ssh-rsa key\).*Refusing to connect/,
    );
    assert.deepEqual(server.passwordsSeen.slice(methodsBefore), [], 'no password reached the server');
    assert.deepEqual(prompts.asked, { keys: [], passwords: [] }, 'neither the key nor a password was asked for');
    assert.equal(secrets.values.get(passwordSecretKey(server.destination)), password, 'the stored password is kept');
    assert.equal(await readFile(knownHosts, 'utf8'), `[127.0.0.1]:${server.destination.port} ${rsa}\n`);
  });

  test('a server with keys of two types is asked for the type known_hosts records, and trusted', async () => {
    keygen(join(fixture.folder, 'second_rsa_key'), 'rsa');
    const both = new SshServer({ hostKeys: [server.key, await readFile(join(fixture.folder, 'second_rsa_key'), 'utf8')] }, (connection) => {
      connection.on('authentication', (context) => context.reject(['password']));
      connection.on('error', () => undefined);
    });
    both.listen(0, '127.0.0.1');
    await once(both, 'listening');
    try {
      const port = (both.address() as { port: number }).port;
      const knownHosts = join(fixture.folder, 'two-types-known_hosts');
      const rsa = (await readFile(join(fixture.folder, 'second_rsa_key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
      await writeFile(knownHosts, `[127.0.0.1]:${port} ${rsa}\n`);
      const prompts = scriptedPrompts({ passwords: [] });
      // The key is trusted, so the connection gets as far as the login (the password prompt).
      await assert.rejects(
        openRemoteHostClient({
          ...server.options(knownHosts, prompts.prompts, new MemorySecrets()),
          destination: { ...server.destination, port },
        }),
        /Password entry for .* was cancelled/,
      );
      assert.deepEqual(prompts.asked, { keys: [], passwords: [false] });
    } finally {
      await new Promise<void>((resolve) => both.close(() => resolve()));
    }
  });
}

describe('remote hosts over SSH', () => {
  const fixture = useRemoteFixture();
  hostKeyAndSocketTests(fixture);

  describe('passwords', () => {
    const server = usePasswordServer(fixture);
    storedPasswordTests(server);
    hostKeyTypeTests(fixture, server);
  });
});
