// A private D-Bus session bus (dbus-daemon) for one `npm start`, test file or benchmark.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireCommand } from './require-command';
import { spawnOwned, type OwnedProcess } from './owned-process';
import { waitUntil } from './wait-until';

export interface PrivateBus {
  /** Pass as busAddress, or set DBUS_SESSION_BUS_ADDRESS for child processes. */
  readonly address: string;
  readonly process: OwnedProcess;
  /** Kills dbus-daemon (SIGKILL), like a crash; its socket path stays for `restart`. */
  kill(): Promise<void>;
  /** Starts a new dbus-daemon listening at the same address. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A session bus without service directories: nothing is started on demand, so when a test stops
 * libvirt-dbus it stays stopped instead of being re-activated behind the test's back.
 */
function busConfiguration(folder: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(folder, 'socket')}</listen>
  <auth>EXTERNAL</auth>
  <!-- As Debian's session.conf: benchmarks keep thousands of calls in flight. -->
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

async function launchDaemon(program: string, configuration: string): Promise<{ daemon: OwnedProcess; address: string }> {
  // --nofork keeps it our child, so it is ours to stop; it prints the address once it listens.
  const daemon = spawnOwned('dbus-daemon', program, [`--config-file=${configuration}`, '--nofork', '--nopidfile', '--print-address=1']);
  let output = '';
  daemon.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const address = await waitUntil('dbus-daemon to print its address', () => {
      if (!daemon.running) throw new Error(`dbus-daemon exited: ${daemon.stderr}`);
      const line = output.split('\n')[0];
      return output.includes('\n') && line ? line.trim() : undefined;
    });
    return { daemon, address };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}

export async function startPrivateBus(): Promise<PrivateBus> {
  const program = requireCommand('dbus-daemon', 'dbus');
  const folder = mkdtempSync(join(tmpdir(), 'vlm-bus-'));
  const configuration = join(folder, 'bus.conf');
  writeFileSync(configuration, busConfiguration(folder));
  try {
    const launched = await launchDaemon(program, configuration);
    let daemon = launched.daemon;
    return {
      address: launched.address,
      get process() {
        return daemon;
      },
      async kill() {
        await daemon.kill();
      },
      async restart() {
        await daemon.stop();
        rmSync(join(folder, 'socket'), { force: true });
        ({ daemon } = await launchDaemon(program, configuration));
      },
      async stop() {
        await daemon.stop();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
