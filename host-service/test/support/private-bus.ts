// A private D-Bus session bus (dbus-daemon) for one test file or benchmark.
import { requireCommand } from './require-command';
import { spawnOwned, type OwnedProcess } from './child-process';
import { waitUntil } from './wait-until';

export interface PrivateBus {
  /** Pass as busAddress, or set DBUS_SESSION_BUS_ADDRESS for child processes. */
  readonly address: string;
  readonly process: OwnedProcess;
  stop(): Promise<void>;
}

export async function startPrivateBus(): Promise<PrivateBus> {
  const program = requireCommand('dbus-daemon', 'dbus');
  // --nofork keeps it our child, so it is ours to stop; it prints the address once it listens.
  const daemon = spawnOwned('dbus-daemon', program, ['--session', '--nofork', '--nopidfile', '--print-address=1']);
  let output = '';
  daemon.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const address = await waitUntil('dbus-daemon to print its address', () => {
      if (!daemon.running) throw new Error(`dbus-daemon exited: ${daemon.stderr}`);
      const line = output.split('\n')[0];
      return output.includes('\n') && line ? line.trim() : undefined;
    });
    return { address, process: daemon, stop: () => daemon.stop() };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}
