// A real OpenSSH sshd on 127.0.0.1 for SSH tests: its own host key and authorized_keys in a temp
// folder, in front of a real vlm-host on libvirt's test driver; plus the small helpers the SSH
// tests share (key generation, a secret store in memory, prompts that answer as told).
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Connection as SshServerConnection } from 'ssh2';
import { join } from 'node:path';
import type { HostProcess } from '../../host-service/test/api/host-process';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { requireCommand } from '../../host-service/local-libvirt/require-command';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import type { KeyboardInteractiveRequest, RemoteHostPrompts, SecretStore, UnknownHostKey } from '../src/remote/remote-host-client';
import type { SshDestination } from '../src/remote/ssh-destination';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export function keygen(path: string, type = 'ed25519', passphrase = ''): void {
  const made = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'vlm-test', '-f', path], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
}

export function fingerprintOf(publicKeyPath: string): string {
  const listed = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath], { encoding: 'utf8' });
  return listed.stdout.split(' ')[1] ?? '';
}

export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

/** Prompts that answer as told and remember what they were asked. */
export function scriptedPrompts(answers: {
  acceptKey?: boolean;
  passwords?: Array<string | undefined>;
  passphrases?: Array<string | undefined>;
  keyboard?: Array<string[] | undefined>;
}) {
  const asked = { keys: [] as UnknownHostKey[], passwords: [] as boolean[] };
  const more = { passphrases: [] as Array<{ path: string; retry: boolean }>, keyboard: [] as KeyboardInteractiveRequest[] };
  const passwords = [...(answers.passwords ?? [])];
  const passphrases = [...(answers.passphrases ?? [])];
  const keyboard = [...(answers.keyboard ?? [])];
  const prompts: RemoteHostPrompts = {
    async confirmHostKey(key) {
      asked.keys.push(key);
      return answers.acceptKey ?? false;
    },
    async askPassword(_destination, retry) {
      asked.passwords.push(retry);
      return passwords.shift();
    },
    async askPassphrase(path, retry) {
      more.passphrases.push({ path, retry });
      return passphrases.shift();
    },
    async answerKeyboardInteractive(_destination, request) {
      more.keyboard.push(request);
      return keyboard.shift();
    },
  };
  return { prompts, asked, more };
}

export interface RemoteFixture {
  folder: string;
  hostFixture: HostFixture;
  host: HostProcess;
  sshd: ChildProcess;
  sshdOutput: string;
  destination: SshDestination;
  hostPublicKey: string;
}

export async function writeSshdConfig(folder: string, port: number): Promise<void> {
  await writeFile(
    join(folder, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(folder, 'host_key')}`,
      `PidFile ${join(folder, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(folder, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowStreamLocalForwarding yes',
      // sshd grants Unix socket forwards through the same permission as local TCP forwards.
      'AllowTcpForwarding local',
      'X11Forwarding no',
      '',
    ].join('\n'),
  );
}

/** A real vlm-host on the test driver, and OpenSSH's sshd in front of it; filled in before the tests. */
export function useRemoteFixture(): RemoteFixture {
  const fixture = { sshdOutput: '' } as RemoteFixture;
  before(async () => {
    const sshdPath = requireCommand('sshd', 'openssh-server');
    requireCommand('ssh-keygen', 'openssh-client');
    fixture.hostFixture = await startHostFixture({ name: 'remote' });
    const folder = fixture.hostFixture.folder;
    fixture.folder = folder;
    fixture.host = fixture.hostFixture.host;

    keygen(join(folder, 'host_key'));
    keygen(join(folder, 'client_key'));
    keygen(join(folder, 'other_key'));
    fixture.hostPublicKey = await readFile(join(folder, 'host_key.pub'), 'utf8');
    await writeFile(join(folder, 'authorized_keys'), await readFile(join(folder, 'client_key.pub')), { mode: 0o600 });
    const port = await freePort();
    await writeSshdConfig(folder, port);
    // sshd insists on its privilege separation folder.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const sshd = spawn(sshdPath, ['-D', '-e', '-f', join(folder, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    fixture.sshd = sshd;
    sshd.stderr?.setEncoding('utf8').on('data', (chunk: string) => (fixture.sshdOutput += chunk));
    await waitUntil('sshd to listen', () => fixture.sshdOutput.includes('Server listening'), 10_000);
    fixture.destination = { user: process.env.USER || 'root', host: '127.0.0.1', port };
  });

  after(async () => {
    if (fixture.sshd && fixture.sshd.exitCode === null) {
      fixture.sshd.kill('SIGTERM');
      await once(fixture.sshd, 'exit');
    }
    await fixture.hostFixture?.dispose();
  });
  return fixture;
}

/** An ssh2 test server's side of `ssh -L` to a Unix socket: each streamlocal channel piped to its socket. */
export function forwardStreamLocal(connection: SshServerConnection): void {
  connection.on('openssh.streamlocal', (accept, reject, info) => {
    const upstream = connect(info.socketPath);
    upstream.once('error', () => reject());
    upstream.once('connect', () => {
      const channel = accept();
      channel.pipe(upstream).pipe(channel);
    });
  });
}
