// A host service on another machine, reached over SSH: the service's Unix socket is forwarded
// through the SSH connection (direct-streamlocal), so the host exposes no port of its own, and
// the JSON-RPC on top is the same as for a local socket. Host keys are checked against
// known_hosts; login tries the agent, then key files, then a password kept only in the secret
// store. No `vscode` import: the prompts and the secret store are interfaces. Tested against a
// real sshd.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, type AnyAuthMethod, type AuthenticationType, type ClientChannel } from 'ssh2';
import { speakHostProtocol, type HostClient } from '@vlm/host-client/src/connection';
import { rootSocketPath } from '@vlm/schemas/src/socket-defaults';
import {
  checkHostKey,
  keyFingerprint,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  preferredHostKeyAlgorithms,
  readKnownHosts,
  recordHostKey,
} from './known-hosts';
import { formatSshDestination, type SshDestination } from './ssh-destination';

/** Where passwords live: VS Code's SecretStorage in the extension, a map in tests. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export interface UnknownHostKey {
  /** As known_hosts would name it: "host" or "[host]:port". */
  name: string;
  keyType: string;
  /** "SHA256:..." */
  fingerprint: string;
}

export interface RemoteHostPrompts {
  /** Asked when known_hosts has no key for the host; true records the key and goes on. */
  confirmHostKey(key: UnknownHostKey): Promise<boolean>;
  /** Asked when no stored password works; undefined cancels. `retry` when a password was just refused. */
  askPassword(destination: string, retry: boolean): Promise<string | undefined>;
}

export interface RemoteHostOptions {
  destination: SshDestination;
  /** The host service's socket on the remote machine. */
  socketPath?: string;
  knownHostsPath?: string;
  /** Private key files to try; default the usual ones in ~/.ssh that exist. */
  identityFiles?: string[];
  /** ssh-agent's socket; default $SSH_AUTH_SOCK. An empty string turns the agent off. */
  agentSocket?: string;
  secrets: SecretStore;
  prompts: RemoteHostPrompts;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Where vlm-host listens when it runs as root, its usual way on a lab server. */
export const defaultRemoteSocket = rootSocketPath;

export function passwordSecretKey(destination: SshDestination): string {
  return `vlm.ssh.password/${formatSshDestination(destination)}`;
}

/** A cancelled prompt: the extension's error reporting stays silent for it. */
export class SshCancelled extends Error {
  override name = 'Canceled';
}

const maximumPasswordAttempts = 3;

async function readableKeys(paths: string[]): Promise<Array<{ path: string; key: Buffer }>> {
  const keys: Array<{ path: string; key: Buffer }> = [];
  for (const path of paths) {
    try {
      keys.push({ path, key: await readFile(path) });
    } catch {
      // Absent or unreadable: the next method is tried.
    }
  }
  return keys;
}

/** The options with their defaults filled in, and what they point at, read. */
interface Login {
  destination: SshDestination;
  where: string;
  secrets: SecretStore;
  prompts: RemoteHostPrompts;
  log: (line: string) => void;
  knownHostsPath: string;
  knownHosts: Awaited<ReturnType<typeof readKnownHosts>>;
  keys: Array<{ path: string; key: Buffer }>;
  agentSocket: string;
  timeoutMs: number;
  /** Why the connection failed, when we know better than ssh2's own message. */
  failure?: Error;
}

async function prepareLogin(options: RemoteHostOptions): Promise<Login> {
  const knownHostsPath = options.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  const identityFiles = options.identityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homedir(), '.ssh', name));
  return {
    destination: options.destination,
    where: formatSshDestination(options.destination),
    secrets: options.secrets,
    prompts: options.prompts,
    log: options.log ?? (() => undefined),
    knownHostsPath,
    knownHosts: await readKnownHosts(knownHostsPath),
    keys: await readableKeys(identityFiles),
    agentSocket: options.agentSocket ?? process.env.SSH_AUTH_SOCK ?? '',
    timeoutMs: options.timeoutMs ?? 20_000,
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The login methods in order: the agent, each key file, then passwords (the stored one, then
 * prompts; at most maximumPasswordAttempts). A typed password that worked is stored after login.
 */
class LoginMethods {
  private readonly methods: Array<() => Promise<AnyAuthMethod | undefined>> = [];
  private readonly secretKey: string;
  private passwordAttempts = 0;
  private triedStoredPassword = false;
  private lastPassword: { value: string; prompted: boolean } | undefined;

  constructor(private readonly login: Login) {
    this.secretKey = passwordSecretKey(login.destination);
    const username = login.destination.user;
    if (login.agentSocket) this.methods.push(async () => ({ type: 'agent', username, agent: login.agentSocket }));
    for (const { path, key } of login.keys) {
      this.methods.push(async () => {
        login.log(`${login.where}: trying the key ${path}`);
        return { type: 'publickey', username, key };
      });
    }
  }

  /** For ssh2's authHandler: the next method the server allows, or false when none is left. */
  async next(methodsLeft: AuthenticationType[]): Promise<AnyAuthMethod | false> {
    const allowed = (type: AuthenticationType) => !methodsLeft || methodsLeft.includes(type === 'agent' ? 'publickey' : type);
    for (let take = this.methods.shift(); take; take = this.methods.shift()) {
      const method = await take();
      if (method && allowed(method.type)) return method;
    }
    if (allowed('password')) {
      const method = await this.nextPassword();
      if (method) return method;
    }
    const tried = [this.login.agentSocket ? 'the SSH agent' : '', this.login.keys.length ? 'your key files' : '', 'a password']
      .filter(Boolean)
      .join(', ');
    this.login.failure ??= new Error(
      `Could not log in to ${this.login.where}: the server accepted none of ${tried}. Check the user name, or add your public key to the server's authorized_keys.`,
    );
    return false;
  }

  async storeTypedPassword(): Promise<void> {
    if (this.lastPassword?.prompted) await this.login.secrets.store(this.secretKey, this.lastPassword.value);
  }

  private async nextPassword(): Promise<AnyAuthMethod | undefined> {
    const { secrets, prompts, destination, where } = this.login;
    if (this.passwordAttempts >= maximumPasswordAttempts) return undefined;
    if (!this.triedStoredPassword) {
      this.triedStoredPassword = true;
      const stored = await secrets.get(this.secretKey);
      if (stored !== undefined) {
        this.lastPassword = { value: stored, prompted: false };
        this.passwordAttempts += 1;
        return { type: 'password', username: destination.user, password: stored };
      }
    }
    const refused = this.lastPassword !== undefined;
    // A stored password that no longer works is forgotten.
    if (this.lastPassword && !this.lastPassword.prompted) await secrets.delete(this.secretKey);
    const typed = await prompts.askPassword(where, refused);
    if (typed === undefined) {
      this.login.failure = new SshCancelled(`Password entry for ${where} was cancelled.`);
      return undefined;
    }
    this.lastPassword = { value: typed, prompted: true };
    this.passwordAttempts += 1;
    return { type: 'password', username: destination.user, password: typed };
  }
}

/** True for a known key; asks about an unknown one and records it; throws for a changed or revoked one. */
async function verifyHostKey(login: Login, key: Buffer): Promise<boolean> {
  const { destination, knownHostsPath } = login;
  const verdict = checkHostKey(login.knownHosts, destination.host, destination.port, key);
  const fingerprint = keyFingerprint(key);
  const name = knownHostsName(destination.host, destination.port);
  switch (verdict.kind) {
    case 'trusted':
      return true;
    case 'revoked':
      throw new Error(
        `The host key of ${name} (${fingerprint}) is marked @revoked in ${knownHostsPath}:${verdict.line}. Refusing to connect.`,
      );
    case 'changed':
      throw new Error(
        `WARNING: the host key of ${name} has CHANGED (now ${keyTypeOf(key)} ${fingerprint}` +
          `${verdict.knownType === undefined ? '' : `; ${knownHostsPath} knows it only by a ${verdict.knownType} key`}). ` +
          'Someone may be intercepting the connection, or the server was reinstalled. ' +
          `Refusing to connect. If you know the server changed, remove the old key (line ${verdict.line} of ${knownHostsPath}, or run: ssh-keygen -R '${name}') and connect again.`,
      );
    case 'unknown': {
      const accepted = await login.prompts.confirmHostKey({ name, keyType: keyTypeOf(key), fingerprint });
      if (!accepted) throw new SshCancelled(`The host key of ${name} was not accepted.`);
      await recordHostKey(knownHostsPath, destination.host, destination.port, key);
      login.log(`${login.where}: recorded host key ${keyTypeOf(key)} ${fingerprint} in ${knownHostsPath}`);
      return true;
    }
  }
}

/** An SSH connection, logged in, with the host key checked. */
async function logIn(login: Login): Promise<Client> {
  const { destination, where } = login;
  const methods = new LoginMethods(login);
  const client = new Client();
  const ready = new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error) => reject(login.failure ?? explainSshError(error, where)));
    client.once('close', () => reject(login.failure ?? new Error(`The SSH connection to ${where} closed before login finished.`)));
  });
  const preferred = preferredHostKeyAlgorithms(knownKeyTypes(login.knownHosts, destination.host, destination.port));
  client.connect({
    host: destination.host,
    port: destination.port,
    username: destination.user,
    readyTimeout: login.timeoutMs,
    // Known key types first; any other type presented is then refused as a changed key.
    ...(preferred.length === 0 ? {} : { algorithms: { serverHostKey: { remove: preferred, prepend: preferred } } }),
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      void verifyHostKey(login, key).then(verify, (error: unknown) => {
        login.failure = asError(error);
        verify(false);
      });
    },
    authHandler: (methodsLeft: AuthenticationType[], _partialSuccess: boolean, next: (method: AnyAuthMethod | false) => void) => {
      void methods.next(methodsLeft).then(next, (error: unknown) => {
        login.failure = asError(error);
        next(false);
      });
    },
  } as Parameters<Client['connect']>[0]);
  try {
    await ready;
  } catch (error) {
    client.end();
    throw error;
  }
  await methods.storeTypedPassword();
  return client;
}

/** The host service's socket on the remote machine, forwarded through `client`. */
async function forwardHostSocket(client: Client, login: Login, socketPath: string): Promise<ClientChannel> {
  try {
    return await new Promise<ClientChannel>((resolve, reject) =>
      client.openssh_forwardOutStreamLocal(socketPath, (error, channel) => (error ? reject(error) : resolve(channel))),
    );
  } catch (error) {
    client.end();
    throw new Error(
      `Logged in to ${login.where}, but could not reach the host service's socket ${socketPath} there (${error instanceof Error ? error.message : String(error)}). ` +
        `Is vlm-host running on that machine, and may ${login.destination.user} use its socket?`,
    );
  }
}

/** An SSH connection, logged in, with the host key checked against known_hosts (cloud instances' terminals use it too). */
export async function openSshConnection(options: Omit<RemoteHostOptions, 'socketPath'>): Promise<Client> {
  return logIn(await prepareLogin(options));
}

export async function openRemoteHostClient(options: RemoteHostOptions): Promise<HostClient> {
  const login = await prepareLogin(options);
  const client = await logIn(login);
  const stream = await forwardHostSocket(client, login, options.socketPath ?? defaultRemoteSocket);
  return speakHostProtocol(stream, {
    where: `on ${login.where}`,
    client: 'this extension',
    closedEarly: `The host service on ${login.where} closed the forwarded connection instead of answering.`,
    timeoutMs: login.timeoutMs,
    alsoEndedBy: [client],
    release: () => client.end(),
  });
}

function explainSshError(error: Error & { level?: string; code?: string }, where: string): Error {
  if (error.code === 'ECONNREFUSED') return new Error(`Nothing accepts SSH connections at ${where}: is sshd running there, on that port?`);
  if (error.code === 'ENOTFOUND') return new Error(`The host name in ${where} is not known: check its spelling.`);
  if (error.level === 'client-timeout') return new Error(`The SSH server at ${where} did not finish the handshake in time.`);
  if (error.level === 'client-authentication') return new Error(`Could not log in to ${where}: ${error.message}.`);
  return new Error(`SSH connection to ${where} failed: ${error.message}`);
}
