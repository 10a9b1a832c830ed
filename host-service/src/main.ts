// vlm-host: the host service. Holds the data directory, talks to libvirt through libvirt-dbus,
// and serves the host API on a Unix socket until SIGTERM or SIGINT.
import { join, resolve } from 'node:path';
import packageJson from '../package.json';
import { removeDataDirectory } from './state/data-directory-removal';
import { EventLog, eventFromHypervisor } from './event-log';
import { createHostApi } from './api/host-api';
import { LabDeployer } from './deploy/lab-deployer';
import { Consoles } from './consoles/console-manager';
import { sshCrypto } from './consoles/ssh-crypto';
import { labKeyPathForDomain } from './deploy/service-ssh-key';
import { ImageStore } from './images/image-store';
import { HostServer, SocketInUseError } from './api/socket-server';
import { DataDirectoryLockedError } from './state/data-directory-lock';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';
import { loadRemoteListenConfig } from './api/remote-listen';
import { lookUpSocketGroup, type SocketGroup } from './api/socket-group';
import { type Options, parseArguments, usage, UsageError } from './command-line';
import type { Hypervisor } from './libvirt/hypervisor';
import { connectLibvirt } from './libvirt/libvirt-dbus-hypervisor';
import { MetricsSampler } from './metrics/metrics-sampler';
import { startIdleShutdown } from './idle-shutdown/idle-shutdown-service';
import { StateStore } from './state/state-store';
import { RunningTimeRecorder } from './running-time/running-time-recorder';

function log(line: string): void {
  process.stderr.write(`vlm-host: ${line}\n`);
}

/** A started service: what it listens on, and how to stop it. */
interface Service {
  socketGroup: SocketGroup | undefined;
  server: HostServer;
  remoteServer: HostServer | undefined;
  shutdown: () => Promise<void>;
}

/** Opens the state, connects to libvirt and listens; anything that fails stops what had started. */
async function startService(options: Options): Promise<Service> {
  // Checked before anything starts: a bad certificate or token file leaves nothing behind.
  const remote = options.remote ? await loadRemoteListenConfig(options.remote) : undefined;
  const socketGroup = options.socketGroup === undefined ? undefined : await lookUpSocketGroup(options.socketGroup);
  const store = await StateStore.open({ dataDirectory: options.dataDirectory, log });
  let hypervisor: Hypervisor | undefined;
  let server: HostServer | undefined;
  let remoteServer: HostServer | undefined;
  let stopListening: (() => void) | undefined;
  let runningTime: RunningTimeRecorder | undefined;
  let metrics: MetricsSampler | undefined;
  let stopIdleShutdown: (() => void) | undefined;
  const consoles = new Consoles({
    // Each lab's VMs trust only that lab's key; the shared service key is for labs deployed before that.
    sshKeyPath: join(options.dataDirectory, 'ssh', 'id_ed25519'),
    labKeyPath: (domain) => labKeyPathForDomain(options.dataDirectory, store.state, domain),
    hostKeysPath: join(options.dataDirectory, 'ssh', 'pinned-host-keys.json'),
  });
  const shutdown = async () => {
    consoles.closeAll();
    await server?.close().catch((error: Error) => log(`closing the socket failed: ${error.message}`));
    await remoteServer?.close().catch((error: Error) => log(`closing the TCP listener failed: ${error.message}`));
    stopListening?.();
    await runningTime?.stop();
    stopIdleShutdown?.();
    metrics?.close();
    await hypervisor?.close().catch((error: Error) => log(`closing the libvirt connection failed: ${error.message}`));
    await store.close();
  };
  try {
    hypervisor = await connectLibvirt(
      options.busAddress === undefined ? { driver: options.driver } : { driver: options.driver, busAddress: options.busAddress },
    );
    const events = await EventLog.create(store);
    const subscription = hypervisor.subscribe((event) => events.publish(eventFromHypervisor(event)));
    stopListening = () => subscription.dispose();
    const images = new ImageStore({ dataDirectory: options.dataDirectory, sourceRoot: options.sourceRoot, log });
    await images.removeUnfinishedDownloads();
    const deployer = new LabDeployer({ hypervisor, store, events, images, dataDirectory: options.dataDirectory, log });
    for (const lab of await deployer.recoverInterrupted())
      log(`The deploy of lab ${lab} was interrupted by a restart; it is marked failed.`);
    runningTime = await RunningTimeRecorder.start({ hypervisor, store, madeHere: (domain) => deployer.madeHere(domain), log });
    metrics = new MetricsSampler(hypervisor);
    metrics.onError((error) => log(`sampling VM metrics failed: ${error instanceof Error ? error.message : String(error)}`));
    const idle = startIdleShutdown({ hypervisor, feed: metrics, events, deployer, store, consoles, log });
    stopIdleShutdown = idle.stop;
    const handlers = createHostApi({
      hypervisor,
      metrics,
      store,
      events,
      deployer,
      consoles,
      images,
      idleShutdown: idle.idleShutdown,
      version: packageJson.version,
      startedAt: new Date().toISOString(),
    });
    server = await HostServer.listen({
      socketPath: options.socketPath,
      handlers,
      log,
      ...(socketGroup === undefined ? {} : { socketGroup }),
    });
    if (remote) remoteServer = await HostServer.listenRemote({ handlers, log, remote });
  } catch (error) {
    await shutdown();
    throw error;
  }
  return { socketGroup, server, remoteServer, shutdown };
}

/**
 * Resolves once a signal has shut the service down, or, if asked, the end of standard input with
 * no client left: another VS Code window may still use the service the closed one started.
 */
function untilStopped(options: Options, service: Service): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting without finishing the shutdown.`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: shutting down.`);
      void service
        .shutdown()
        .catch((error: Error) => log(`shutdown: ${error.message}`))
        .finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (options.stopWhenStdinCloses) {
      // The parent holds the other ends of stdout and stderr too: once it is gone, a failed log
      // write must not end a service that clients still use.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      const servers = [service.server, service.remoteServer].filter((server) => server !== undefined);
      const clients = () => servers.reduce((sum, server) => sum + server.connectionCount, 0);
      const stopIfUnused = () => {
        if (!stopping && clients() === 0) onSignal('Standard input closed (the parent is gone) and no client is connected');
      };
      process.stdin.on('close', () => {
        if (stopping) return;
        if (clients() > 0) log(`Standard input closed (the parent is gone): stopping once no client is connected (${clients()} now).`);
        for (const server of servers) server.onConnectionClosed(stopIfUnused);
        stopIfUnused();
      });
      process.stdin.resume();
    }
  });
}

async function run(options: Options): Promise<void> {
  const service = await startService(options);
  const { socketGroup, remoteServer } = service;
  // One line on stdout when ready, for whoever started the service.
  process.stdout.write(
    `vlm-host ready: socket ${options.socketPath}${socketGroup ? ` (group ${socketGroup.name})` : ''}, ` +
      `data ${options.dataDirectory}, libvirt ${options.driver}, pid ${process.pid}${remoteServer ? `, TLS ${remoteServer.socketPath}` : ''}, ` +
      `SSH crypto ${sshCrypto()}\n`,
  );
  await untilStopped(options, service);
  log('stopped.');
}

async function removeData(options: Options): Promise<void> {
  const connect = () =>
    connectLibvirt(
      options.busAddress === undefined ? { driver: options.driver } : { driver: options.driver, busAddress: options.busAddress },
    );
  const removed = await removeDataDirectory({ dataDirectory: options.dataDirectory, connect, log });
  process.stdout.write(
    removed.length === 0
      ? `Nothing to remove: ${resolve(options.dataDirectory)} and its storage pool do not exist.\n`
      : `Removed ${removed.join(' and ')}.\n`,
  );
}

function main(): void {
  let options: Options | 'help';
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`vlm-host: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(usage);
    return;
  }
  (options.command === 'remove-data' ? removeData(options) : run(options)).then(
    () => process.exit(0),
    (error: unknown) => {
      log(error instanceof Error ? error.message : String(error));
      process.exit(error instanceof DataDirectoryLockedError || error instanceof SocketInUseError ? anotherServiceExitCode : 1);
    },
  );
}

main();
