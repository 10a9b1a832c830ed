// vlm-host: the host service. Holds the data directory, talks to libvirt through libvirt-dbus,
// and serves the host API on a Unix socket until SIGTERM or SIGINT.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultSocketPath } from '@vlm/schemas/src/socket-defaults';
import type { HostEventBody } from '@vlm/schemas/src/host-protocol';
import packageJson from '../package.json';
import { removeDataDirectory } from './state/data-directory-removal';
import { EventLog } from './api/event-log';
import { createHostApi } from './api/host-api';
import { LabDeployer } from './deploy/lab-deployer';
import { Consoles } from './consoles/console-manager';
import { labKeyPathForDomain } from './deploy/service-ssh-key';
import { ImageStore } from './images/image-store';
import { HostServer } from './api/socket-server';
import { loadRemoteListenConfig, type RemoteListenArguments } from './api/remote-listen';
import { lookUpSocketGroup } from './api/socket-group';
import type { Hypervisor, HypervisorEvent } from './libvirt/hypervisor';
import { connectLibvirt } from './libvirt/libvirt-dbus-hypervisor';
import { StateStore } from './state/state-store';

const usage = `Usage: vlm-host [--socket PATH] [--socket-group NAME] [--data-dir DIR] [--libvirt test|qemu] [--bus-address ADDRESS]
                [--source-root DIR] [--listen HOST:PORT --tls-cert PATH --tls-key PATH --token-file PATH [--allow-remote]]
       vlm-host --remove-data [--data-dir DIR] [--libvirt test|qemu] [--bus-address ADDRESS]

  --socket PATH        Unix socket to serve the host API on. Only the user vlm-host runs as may use it
                       (mode 0600), unless --socket-group names a group.
                       Default: /run/vlm/vlm-host.sock as root, else $XDG_RUNTIME_DIR/vlm/vlm-host.sock.
  --socket-group NAME  Members of this group may use the socket too: it gets that group and mode 0660
                       (and so does its folder, when vlm-host creates it). Whoever may use the socket
                       can create and run VMs and playbooks on this host.
  --data-dir DIR       Where the state file and lock live.
                       Default: /var/lib/vlm as root, else $XDG_DATA_HOME/vlm (~/.local/share/vlm).
  --libvirt test|qemu  libvirt driver: 'qemu' (qemu:///system, default) or 'test' (libvirt's test driver).
  --bus-address ADDR   D-Bus address of libvirt-dbus. Default: $DBUS_SESSION_BUS_ADDRESS, else the system bus.
  --source-root DIR    The VLM installation whose host-service/vlm-tiny builds local images.
                       Default: the one this vlm-host belongs to.
  --listen HOST:PORT   Also serve the host API on TCP with TLS, for clients that do not reach this host
                       over SSH. The first request of each connection must be vlm/authenticate with
                       the token. Loopback addresses only, unless --allow-remote is given. A wrong
                       token closes the connection unread; past 5 failures in 60 s from one address,
                       its connections are refused without checking their token.
  --tls-cert PATH      The TLS certificate (PEM) for --listen.
  --tls-key PATH       Its private key (PEM).
  --token-file PATH    File holding the token (mode 0600, owned by the user vlm-host runs as).
  --allow-remote       Let --listen bind a non-loopback address.
  --stop-when-stdin-closes
                       Shut down when standard input closes: a parent that holds the other end of
                       a pipe (VS Code's extension) takes the service with it when it dies.
  --remove-data        Remove the data directory DIR with everything in it (state, keys, images,
                       disks, logs) and its libvirt storage pool, then exit. Refused while a
                       vlm-host uses DIR or while DIR records a lab: destroy the labs first.
`;

class UsageError extends Error {}

interface Options {
  /** Serve the API, or remove the data directory and exit. */
  command: 'serve' | 'remove-data';
  socketPath: string;
  socketGroup?: string;
  dataDirectory: string;
  driver: 'test' | 'qemu';
  busAddress?: string;
  sourceRoot: string;
  remote?: RemoteListenArguments;
  stopWhenStdinCloses: boolean;
}

const isRoot = process.getuid?.() === 0;

function parseArguments(argv: string[]): Options | 'help' {
  const values = new Map<string, string>();
  let allowRemote = false;
  let removeData = false;
  let stopWhenStdinCloses = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '--help' || argument === '-h') return 'help';
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    if (argument === '--allow-remote') {
      allowRemote = true;
      continue;
    }
    if (argument === '--remove-data') {
      removeData = true;
      continue;
    }
    if (argument === '--stop-when-stdin-closes') {
      stopWhenStdinCloses = true;
      continue;
    }
    if (!['--socket', '--socket-group', '--data-dir', '--libvirt', '--bus-address', '--source-root', '--listen', '--tls-cert', '--tls-key', '--token-file'].includes(flag as string)) {
      throw new UsageError(`Unknown argument ${JSON.stringify(argument)}.`);
    }
    const value = inline ?? argv[(index += 1)];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value.`);
    if (values.has(flag as string)) throw new UsageError(`${flag} is given twice.`);
    values.set(flag as string, value);
  }
  const driver = values.get('--libvirt') ?? 'qemu';
  if (driver !== 'test' && driver !== 'qemu') throw new UsageError(`--libvirt must be 'test' or 'qemu', not ${JSON.stringify(driver)}.`);
  if (removeData) {
    const serving = ['--socket', '--socket-group', '--source-root', '--listen', '--tls-cert', '--tls-key', '--token-file'].filter((flag) => values.has(flag));
    if (allowRemote) serving.push('--allow-remote');
    if (stopWhenStdinCloses) serving.push('--stop-when-stdin-closes');
    if (serving.length > 0) throw new UsageError(`--remove-data serves nothing: ${serving.join(', ')} ${serving.length === 1 ? 'does' : 'do'} not apply.`);
  }
  const socketPath = values.get('--socket') ?? (removeData ? '' : defaultSocket());
  const dataDirectory = values.get('--data-dir') ?? defaultDataDirectory();
  const busAddress = values.get('--bus-address');
  // Bundled as host-service/dist/vlm-host.js (or run from host-service/src): two levels up.
  const sourceRoot = resolve(values.get('--source-root') ?? join(__dirname, '..', '..'));
  const options: Options = { command: removeData ? 'remove-data' : 'serve', socketPath, dataDirectory, driver, sourceRoot, stopWhenStdinCloses };
  if (busAddress !== undefined) options.busAddress = busAddress;
  const socketGroup = values.get('--socket-group');
  if (socketGroup !== undefined) options.socketGroup = socketGroup;
  const listen = values.get('--listen');
  if (listen === undefined) {
    const stray = ['--tls-cert', '--tls-key', '--token-file'].filter((flag) => values.has(flag));
    if (allowRemote) stray.push('--allow-remote');
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only ${stray.length === 1 ? 'applies' : 'apply'} with --listen HOST:PORT.`);
  } else {
    options.remote = { listen, certificatePath: values.get('--tls-cert'), keyPath: values.get('--tls-key'), tokenPath: values.get('--token-file'), allowRemote };
  }
  return options;
}

function defaultSocket(): string {
  const path = defaultSocketPath(isRoot, process.env.XDG_RUNTIME_DIR);
  if (path === undefined) throw new UsageError('XDG_RUNTIME_DIR is not set: give the socket path with --socket PATH.');
  return path;
}

function defaultDataDirectory(): string {
  if (isRoot) return '/var/lib/vlm';
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'vlm');
}

function log(line: string): void {
  process.stderr.write(`vlm-host: ${line}\n`);
}

function eventFromHypervisor(event: HypervisorEvent): HostEventBody {
  switch (event.type) {
    case 'domain': {
      const body: HostEventBody = { type: 'vm-state', vm: event.name, state: event.domain?.state ?? 'undefined', detail: `${event.kind}/${event.detail}` };
      if (event.domain?.vlm) body.lab = event.domain.vlm.lab;
      return body;
    }
    case 'domain-changed': {
      const body: HostEventBody = { type: 'vm-state', vm: event.name, state: event.domain?.state ?? 'undefined', detail: 'changed' };
      if (event.domain?.vlm) body.lab = event.domain.vlm.lab;
      return body;
    }
    case 'connection-lost':
      return { type: 'connection-state', connected: false, reason: event.reason };
    case 'connection-restored':
      return { type: 'connection-state', connected: true };
  }
}

async function run(options: Options): Promise<void> {
  // Checked before anything starts: a bad certificate or token file leaves nothing behind.
  const remote = options.remote ? await loadRemoteListenConfig(options.remote) : undefined;
  const socketGroup = options.socketGroup === undefined ? undefined : await lookUpSocketGroup(options.socketGroup);
  const store = await StateStore.open({ dataDirectory: options.dataDirectory, log });
  let hypervisor: Hypervisor | undefined;
  let server: HostServer | undefined;
  let remoteServer: HostServer | undefined;
  let stopListening: (() => void) | undefined;
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
    await hypervisor?.close().catch((error: Error) => log(`closing the libvirt connection failed: ${error.message}`));
    await store.close();
  };
  try {
    hypervisor = await connectLibvirt(options.busAddress === undefined ? { driver: options.driver } : { driver: options.driver, busAddress: options.busAddress });
    const events = await EventLog.create(store);
    const subscription = hypervisor.subscribe((event) => events.publish(eventFromHypervisor(event)));
    stopListening = () => subscription.dispose();
    const images = new ImageStore({ dataDirectory: options.dataDirectory, sourceRoot: options.sourceRoot, log });
    await images.removeUnfinishedDownloads();
    const deployer = new LabDeployer({ hypervisor, store, events, images, dataDirectory: options.dataDirectory, log });
    for (const lab of await deployer.recoverInterrupted()) log(`The deploy of lab ${lab} was interrupted by a restart; it is marked failed.`);
    const handlers = createHostApi({ hypervisor, store, events, deployer, consoles, images, version: packageJson.version, startedAt: new Date().toISOString() });
    server = await HostServer.listen({ socketPath: options.socketPath, handlers, log, ...(socketGroup === undefined ? {} : { socketGroup }) });
    if (remote) remoteServer = await HostServer.listenRemote({ handlers, log, remote });
  } catch (error) {
    await shutdown();
    throw error;
  }
  // One line on stdout when ready, for whoever started the service.
  process.stdout.write(`vlm-host ready: socket ${options.socketPath}${socketGroup ? ` (group ${socketGroup.name})` : ''}, data ${options.dataDirectory}, libvirt ${options.driver}, pid ${process.pid}${remoteServer ? `, TLS ${remoteServer.socketPath}` : ''}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting without finishing the shutdown.`);
        process.exit(1);
      }
      stopping = true;
      log(`${signal}: shutting down.`);
      void shutdown()
        .catch((error: Error) => log(`shutdown: ${error.message}`))
        .finally(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (options.stopWhenStdinCloses) {
      process.stdin.on('close', () => !stopping && onSignal('Standard input closed (the parent is gone)'));
      process.stdin.resume();
    }
  });
  log('stopped.');
}

async function removeData(options: Options): Promise<void> {
  const connect = () => connectLibvirt(options.busAddress === undefined ? { driver: options.driver } : { driver: options.driver, busAddress: options.busAddress });
  const removed = await removeDataDirectory({ dataDirectory: options.dataDirectory, connect, log });
  process.stdout.write(removed.length === 0 ? `Nothing to remove: ${resolve(options.dataDirectory)} and its storage pool do not exist.\n` : `Removed ${removed.join(' and ')}.\n`);
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
      process.exit(1);
    },
  );
}

main();
