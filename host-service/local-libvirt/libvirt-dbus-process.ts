// libvirt-dbus on a private bus: the service our Hypervisor implementation talks to.
import dbus from 'dbus-next';
import { requireCommand } from './require-command';
import { spawnOwned, type OwnedProcess } from './owned-process';
import { waitUntil } from './wait-until';

export interface LibvirtDbusProcess {
  readonly process: OwnedProcess;
  /** Stops it (SIGTERM) and waits until the bus no longer lists org.libvirt. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL), like a crash. */
  kill(): Promise<void>;
  /** Starts a fresh libvirt-dbus on the same bus and waits until it owns org.libvirt. */
  restart(): Promise<void>;
}

async function nameHasOwner(busAddress: string, name: string): Promise<boolean> {
  const bus = dbus.sessionBus({ busAddress });
  try {
    const reply = await bus.call(
      new dbus.Message({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'NameHasOwner',
        signature: 's',
        body: [name],
      }),
    );
    return reply?.body[0] === true;
  } finally {
    bus.disconnect();
  }
}

export async function startLibvirtDbus(busAddress: string): Promise<LibvirtDbusProcess> {
  const program = requireCommand('libvirt-dbus', 'libvirt-dbus');
  let current: OwnedProcess;

  const launch = async (): Promise<void> => {
    current = spawnOwned('libvirt-dbus', program, ['--session'], { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress });
    const launched = current;
    await waitUntil('libvirt-dbus to own org.libvirt', async () => {
      if (!launched.running) throw new Error(`libvirt-dbus exited: ${launched.stderr}`);
      return nameHasOwner(busAddress, 'org.libvirt');
    });
  };
  const gone = () => waitUntil('org.libvirt to leave the bus', async () => !(await nameHasOwner(busAddress, 'org.libvirt')));

  await launch();
  return {
    get process() {
      return current;
    },
    async stop() {
      await current.stop();
      await gone();
    },
    async kill() {
      await current.kill();
      await gone();
    },
    async restart() {
      await current.stop();
      await gone();
      await launch();
    },
  };
}
