// One call for a local libvirt stack, as `npm start` and the tests use it: a private bus with
// libvirt-dbus on it, and with { realDaemons: true } a lease on virtlogd + libvirtd.
import { startPrivateBus, type PrivateBus } from './private-bus';
import { startLibvirtDbus, type LibvirtDbusProcess } from './libvirt-dbus-process';
import { leaseLibvirtDaemons, type LibvirtDaemonsLease } from './libvirt-daemons';

export interface LibvirtTestEnvironment {
  readonly busAddress: string;
  readonly bus: PrivateBus;
  readonly libvirtDbus: LibvirtDbusProcess;
  /** Present when started with { realDaemons: true }. */
  readonly daemons?: LibvirtDaemonsLease;
  /** Stops libvirt-dbus and the bus, and releases the libvirtd lease. */
  stop(): Promise<void>;
}

/**
 * `startLibvirtTestEnvironment()` is enough for the test driver (/org/libvirt/Test);
 * `{ realDaemons: true }` also makes sure virtlogd + libvirtd run for /org/libvirt/QEMU.
 */
export async function startLibvirtTestEnvironment(options: { realDaemons?: boolean } = {}): Promise<LibvirtTestEnvironment> {
  const daemons = options.realDaemons ? await leaseLibvirtDaemons() : undefined;
  let bus: PrivateBus | undefined;
  try {
    bus = await startPrivateBus();
    const libvirtDbus = await startLibvirtDbus(bus.address);
    const started = bus;
    return {
      busAddress: bus.address,
      bus,
      libvirtDbus,
      daemons,
      async stop() {
        try {
          await libvirtDbus.stop();
        } finally {
          await started.stop();
          await daemons?.release();
        }
      },
    };
  } catch (error) {
    await bus?.stop();
    await daemons?.release();
    throw error;
  }
}
