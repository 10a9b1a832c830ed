// vlm-host's command line: the usage text, the options it parses, and their defaults (which
// differ for root and for a user).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';
import { defaultSocketPath } from '@vlm/schemas/src/socket-defaults';
import type { RemoteListenArguments } from './api/remote-listen';

export const usage = `Usage: vlm-host [--socket PATH] [--socket-group NAME] [--data-dir DIR] [--libvirt test|qemu] [--bus-address ADDRESS]
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
                       Shut down when standard input closes and no client is connected: a parent
                       that holds the other end of a pipe (VS Code's extension) takes the service
                       with it when it dies, unless another client (another window) still uses it;
                       then it stops once the last client disconnects.
  --remove-data        Remove the data directory DIR with everything in it (state, keys, images,
                       disks, logs) and its libvirt storage pool, then exit. Refused while a
                       vlm-host uses DIR or while DIR records a lab: destroy the labs first.

Exit status: 0 after a clean shutdown, 2 for a usage error, ${anotherServiceExitCode} when another vlm-host already uses
DIR or the socket (use that one), 1 for any other failure.
`;

export class UsageError extends Error {}

export interface Options {
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

export function parseArguments(argv: string[]): Options | 'help' {
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
    if (
      ![
        '--socket',
        '--socket-group',
        '--data-dir',
        '--libvirt',
        '--bus-address',
        '--source-root',
        '--listen',
        '--tls-cert',
        '--tls-key',
        '--token-file',
      ].includes(flag as string)
    ) {
      throw new UsageError(`Unknown argument ${JSON.stringify(argument)}.`);
    }
    let value = inline;
    if (value === undefined) {
      index += 1;
      value = argv[index];
    }
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value.`);
    if (values.has(flag as string)) throw new UsageError(`${flag} is given twice.`);
    values.set(flag as string, value);
  }
  const driver = values.get('--libvirt') ?? 'qemu';
  if (driver !== 'test' && driver !== 'qemu') throw new UsageError(`--libvirt must be 'test' or 'qemu', not ${JSON.stringify(driver)}.`);
  if (removeData) {
    const serving = ['--socket', '--socket-group', '--source-root', '--listen', '--tls-cert', '--tls-key', '--token-file'].filter((flag) =>
      values.has(flag),
    );
    if (allowRemote) serving.push('--allow-remote');
    if (stopWhenStdinCloses) serving.push('--stop-when-stdin-closes');
    if (serving.length > 0)
      throw new UsageError(`--remove-data serves nothing: ${serving.join(', ')} ${serving.length === 1 ? 'does' : 'do'} not apply.`);
  }
  const socketPath = values.get('--socket') ?? (removeData ? '' : defaultSocket());
  const dataDirectory = values.get('--data-dir') ?? defaultDataDirectory();
  const busAddress = values.get('--bus-address');
  // Bundled as host-service/dist/vlm-host.js (or run from host-service/src): two levels up.
  const sourceRoot = resolve(values.get('--source-root') ?? join(__dirname, '..', '..'));
  const options: Options = {
    command: removeData ? 'remove-data' : 'serve',
    socketPath,
    dataDirectory,
    driver,
    sourceRoot,
    stopWhenStdinCloses,
  };
  if (busAddress !== undefined) options.busAddress = busAddress;
  const socketGroup = values.get('--socket-group');
  if (socketGroup !== undefined) options.socketGroup = socketGroup;
  const listen = values.get('--listen');
  if (listen === undefined) {
    const stray = ['--tls-cert', '--tls-key', '--token-file'].filter((flag) => values.has(flag));
    if (allowRemote) stray.push('--allow-remote');
    if (stray.length > 0)
      throw new UsageError(`${stray.join(', ')} only ${stray.length === 1 ? 'applies' : 'apply'} with --listen HOST:PORT.`);
  } else {
    options.remote = {
      listen,
      certificatePath: values.get('--tls-cert'),
      keyPath: values.get('--tls-key'),
      tokenPath: values.get('--token-file'),
      allowRemote,
    };
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
