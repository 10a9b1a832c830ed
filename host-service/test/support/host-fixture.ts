// One setup for tests that drive a real vlm-host: a temporary folder, the host bundle, a private
// bus with libvirt-dbus (and libvirtd for QEMU), the host process and a client; one `dispose`
// undoes all of it, whatever a failed test left.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { volumePoolFor } from '../../src/deploy/lab-resources';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { buildHostBundle, connectClient, spawnHost, startHost, type HostProcess, type HostStartOptions } from '../api/host-process';
import { removeRunLeftovers, type RunLeftovers } from './libvirt-leftovers';

/** A JSON-RPC connection to vlm-host's socket, as tests use it. */
export type Client = Awaited<ReturnType<typeof connectClient>>;

export interface HostFixtureOptions {
  /** libvirt's test driver (default) or qemu:///system, which leases virtlogd + libvirtd. */
  driver?: 'test' | 'qemu';
  /** Names the temporary folder: vlm-NAME-XXXXXX. */
  name: string;
  /** Mode of the temporary folder, e.g. 0o755 so that QEMU's user reaches the disks in it. */
  folderMode?: number;
  /** Default: data; a relative path is inside the temporary folder. */
  dataDirectory?: string;
  /** Default: vlm-host.sock; a relative path is inside the temporary folder. */
  socketPath?: string;
  /** More vlm-host options (e.g. --socket-group, --listen). */
  hostArguments?: string[];
  /** The vlm-host process's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Runs before the host starts, e.g. to write files into the data directory. */
  prepare?: (paths: { folder: string; dataDirectory: string }) => Promise<void> | void;
  /** false: everything but the host and its client, for tests that start their own. */
  startHost?: boolean;
  /** Passed to the fixture's own hypervisor connection (default: 60 s on the test driver). */
  pollIntervalMs?: number;
  /** libvirt objects to remove by name at dispose, on qemu:///system, which outlives the run. */
  leftovers?: Omit<RunLeftovers, 'pool'>;
}

export interface HostFixture {
  /** The temporary folder, removed by dispose. */
  readonly folder: string;
  readonly bundle: string;
  readonly dataDirectory: string;
  readonly socketPath: string;
  readonly busAddress: string;
  readonly libvirt: LibvirtTestEnvironment;
  /** A connection of the test's own to the same libvirt, to make or inspect objects beside the host. */
  readonly hypervisor: Hypervisor;
  /** The host last started by the fixture (throws when started with { startHost: false }). */
  readonly host: HostProcess;
  /** A client of `host`. */
  readonly client: Client;
  /** The fixture's host options with `overrides`, for hosts a test starts or spawns itself. */
  hostOptions(overrides?: Partial<HostStartOptions>): HostStartOptions;
  /** Starts another vlm-host (the fixture's options with `overrides`); dispose stops it. */
  startHost(overrides?: Partial<HostStartOptions>): Promise<HostProcess>;
  /** Spawns a vlm-host without waiting for it to be ready (one expected to fail); dispose stops it. */
  spawnHost(overrides?: Partial<HostStartOptions>): HostProcess;
  /** A new client of the fixture's socket (or `socketPath`); dispose closes it. */
  connect(socketPath?: string): Promise<Client>;
  /**
   * Starts `host` on the fixture's socket and data directory (again, once the test has stopped or
   * killed the last one; or first, after { startHost: false }) and connects a new `client`.
   */
  restart(): Promise<void>;
  /** Runs `cleanup` at dispose, before the hosts stop. */
  onDispose(cleanup: () => Promise<void> | void): void;
  /** Undoes everything, in reverse: clients, hosts, leftover libvirt objects, libvirt, the folder. */
  dispose(): Promise<void>;
}

interface Parts {
  folder?: string;
  dataDirectory?: string;
  libvirt?: LibvirtTestEnvironment;
  hypervisor?: Hypervisor;
  host?: HostProcess;
  client?: Client;
  readonly hosts: HostProcess[];
  readonly clients: Client[];
  readonly cleanups: (() => Promise<void> | void)[];
}

/** Starts what `options` asks for; on failure undoes what was started, then throws. */
export async function startHostFixture(options: HostFixtureOptions): Promise<HostFixture> {
  const parts: Parts = { hosts: [], clients: [], cleanups: [] };
  try {
    return await assemble(options, parts);
  } catch (error) {
    await disposeParts(options, parts);
    throw error;
  }
}

async function assemble(options: HostFixtureOptions, parts: Parts): Promise<HostFixture> {
  const driver = options.driver ?? 'test';
  const folder = await mkdtemp(join(tmpdir(), `vlm-${options.name}-`));
  parts.folder = folder;
  const dataDirectory = resolve(folder, options.dataDirectory ?? 'data');
  parts.dataDirectory = dataDirectory;
  if (options.folderMode !== undefined) await chmod(folder, options.folderMode);
  const bundle = await buildHostBundle(folder);
  const libvirt = await startLibvirtTestEnvironment({ realDaemons: driver === 'qemu' });
  parts.libvirt = libvirt;
  const hypervisor = await connectLibvirt({
    driver,
    busAddress: libvirt.busAddress,
    pollIntervalMs: options.pollIntervalMs ?? (driver === 'test' ? 60_000 : undefined),
  });
  parts.hypervisor = hypervisor;
  const socketPath = resolve(folder, options.socketPath ?? 'vlm-host.sock');

  const hostOptions = (overrides: Partial<HostStartOptions> = {}): HostStartOptions => ({
    bundle,
    socketPath,
    dataDirectory,
    busAddress: libvirt.busAddress,
    driver,
    extraArguments: options.hostArguments,
    env: options.env,
    ...overrides,
  });
  const connect = async (path = socketPath): Promise<Client> => {
    const client = await connectClient(path);
    parts.clients.push(client);
    return client;
  };
  const start = async (overrides?: Partial<HostStartOptions>): Promise<HostProcess> => {
    const host = await startHost(hostOptions(overrides));
    parts.hosts.push(host);
    return host;
  };
  const restart = async (): Promise<void> => {
    parts.host = await start();
    parts.client = await connect();
  };
  await options.prepare?.({ folder, dataDirectory });
  if (options.startHost !== false) await restart();

  return {
    folder,
    bundle,
    dataDirectory,
    socketPath,
    busAddress: libvirt.busAddress,
    libvirt,
    hypervisor,
    get host() {
      if (!parts.host) throw new Error('This fixture was made with { startHost: false }: it has no host of its own.');
      return parts.host;
    },
    get client() {
      if (!parts.client) throw new Error('This fixture was made with { startHost: false }: it has no client of its own.');
      return parts.client;
    },
    hostOptions,
    startHost: start,
    spawnHost(overrides) {
      const host = spawnHost(hostOptions(overrides));
      parts.hosts.push(host);
      return host;
    },
    connect,
    restart,
    onDispose(cleanup) {
      parts.cleanups.push(cleanup);
    },
    dispose: () => disposeParts(options, parts),
  };
}

async function disposeParts(options: HostFixtureOptions, parts: Parts): Promise<void> {
  const failures: unknown[] = [];
  const attempt = async (step: () => Promise<unknown> | unknown) => {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  };
  for (const client of parts.clients.splice(0).reverse()) await attempt(() => client.close());
  for (const cleanup of parts.cleanups.splice(0).reverse()) await attempt(cleanup);
  for (const host of parts.hosts.splice(0).reverse()) await attempt(() => host.stop());
  const { hypervisor, dataDirectory } = parts;
  if (hypervisor) {
    // qemu:///system outlives the run: what it made there goes by name, with its data directory's pool.
    if (options.driver === 'qemu') {
      await attempt(() => removeRunLeftovers(hypervisor, { ...options.leftovers, pool: dataDirectory && volumePoolFor(dataDirectory) }));
    }
    await attempt(() => hypervisor.close());
  }
  const { libvirt, folder } = parts;
  if (libvirt) await attempt(() => libvirt.stop());
  if (folder) await attempt(() => rm(folder, { recursive: true, force: true }));
  Object.assign(parts, { hypervisor: undefined, libvirt: undefined, folder: undefined, host: undefined, client: undefined });
  if (failures.length > 0) throw new AggregateError(failures, `Disposing the vlm-host fixture failed: ${failures.map(String).join('; ')}`);
}
