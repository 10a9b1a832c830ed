// A host service on another machine, reached over SSH: the service's Unix socket is forwarded
// through the SSH connection (direct-streamlocal), so the host exposes no port of its own, and
// the JSON-RPC on top is the same as for a local socket. Host keys are checked against
// known_hosts; login (ssh-login.ts) tries the agent, key files, keyboard-interactive, then a
// password kept only in the secret store; ProxyJump hops are reached one through the other. No `vscode` import: the prompts and the secret store are interfaces. Tested against a
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
import { LoginMethods, SshCancelled, type Login as KeyLogin, type RemoteHostPrompts, type SecretStore } from './ssh-login';

export {
  passphraseSecretKey,
  passwordSecretKey,
  SshCancelled,
  type KeyboardInteractiveRequest,
  type RemoteHostPrompts,
  type SecretStore,
  type UnknownHostKey,
} from './ssh-login';

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
  /** Hosts to go through first (ProxyJump), first one first; each with its own key files. */
  jumps?: Array<{ destination: SshDestination; identityFiles?: string[] }>;
  /** Keep passphrases typed for key files in the secret store. */
  rememberPassphrases?: boolean;
}

/** Where vlm-host listens when it runs as root, its usual way on a lab server. */
export const defaultRemoteSocket = rootSocketPath;

const defaultTimeoutMs = 20_000;

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
interface Login extends KeyLogin {
  knownHostsPath: string;
  knownHosts: Awaited<ReturnType<typeof readKnownHosts>>;
  timeoutMs: number;
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
    rememberPassphrases: options.rememberPassphrases ?? false,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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

/** An SSH connection, logged in, with the host key checked; over `sock` when it goes through a jump host. */
async function logIn(login: Login, sock?: ClientChannel): Promise<Client> {
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
    ...(sock ? { sock } : {}),
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
async function forwardHostSocket(client: Client, where: string, user: string, socketPath: string): Promise<ClientChannel> {
  try {
    return await new Promise<ClientChannel>((resolve, reject) =>
      client.openssh_forwardOutStreamLocal(socketPath, (error, channel) => (error ? reject(error) : resolve(channel))),
    );
  } catch (error) {
    client.end();
    throw new Error(
      `Logged in to ${where}, but could not reach the host service's socket ${socketPath} there (${error instanceof Error ? error.message : String(error)}). ` +
        `Is vlm-host running on that machine, and may ${user} use its socket?`,
    );
  }
}

/** A TCP stream to `next`, opened from the jump host `client` (as ssh -W does). */
async function forwardToNextHop(client: Client, login: Login, next: SshDestination): Promise<ClientChannel> {
  try {
    return await new Promise<ClientChannel>((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, next.host, next.port, (error, channel) => (error ? reject(error) : resolve(channel))),
    );
  } catch (error) {
    throw new Error(
      `Logged in to the jump host ${login.where}, but it would not connect on to ${formatSshDestination(next)} (${asError(error).message}). ` +
        'Does its sshd allow TCP forwarding (AllowTcpForwarding), and is that host reachable from it?',
    );
  }
}

/**
 * An SSH connection, logged in, with the host key checked against known_hosts (cloud instances'
 * terminals use it too). With jumps, each hop is logged in to in turn and the next one reached
 * through it; closing the returned client closes the hops.
 */
export async function openSshConnection(options: Omit<RemoteHostOptions, 'socketPath'>): Promise<Client> {
  const hops = [...(options.jumps ?? []), { destination: options.destination, identityFiles: options.identityFiles }];
  const opened: Client[] = [];
  let sock: ClientChannel | undefined;
  try {
    for (const [index, hop] of hops.entries()) {
      const login = await prepareLogin({
        ...options,
        destination: hop.destination,
        identityFiles: hop.identityFiles?.length ? hop.identityFiles : options.identityFiles,
      });
      const client = await logIn(login, sock);
      opened.push(client);
      const next = hops[index + 1];
      if (next) sock = await forwardToNextHop(client, login, next.destination);
    }
  } catch (error) {
    for (const client of opened.reverse()) client.end();
    throw error;
  }
  const target = opened[opened.length - 1] as Client;
  target.once('close', () => {
    for (const client of opened.slice(0, -1).reverse()) client.end();
  });
  return target;
}

export async function openRemoteHostClient(options: RemoteHostOptions): Promise<HostClient> {
  const client = await openSshConnection(options);
  const where = formatSshDestination(options.destination);
  const stream = await forwardHostSocket(client, where, options.destination.user, options.socketPath ?? defaultRemoteSocket);
  return speakHostProtocol(stream, {
    where: `on ${where}`,
    client: 'this extension',
    closedEarly: `The host service on ${where} closed the forwarded connection instead of answering.`,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
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
