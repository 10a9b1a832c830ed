// The connection core: one bus connection to libvirt-dbus, the one call() every module uses, the
// signal queues and the poll backstop. DomainEvent signals are hints to re-read that domain; a slow
// poll of all domains is the backstop for missed signals. When libvirt-dbus, libvirtd or the bus
// goes away, subscribers get connection-lost, the poll retries quickly, and connection-restored
// follows once calls work again. libvirt-dbus says nothing when libvirtd restarts and re-registers
// its event callbacks only on its next call, so a cheap liveness call runs every few seconds: it
// notices the outage, and it brings events back.
import dbus from 'dbus-next';
import { connectInterface, connectPaths, libvirtService, propertiesInterface } from './constants';
import { type DbusRequest, dbusCall } from './dbus-call';
import { readRepliesDirectly } from './dbus-replies';
import { type Disposable, type HypervisorConnectOptions, HypervisorError, type HypervisorEvent } from './hypervisor';
import { uuidFromObjectPath } from './libvirt-objects';

const defaultCallTimeoutMs = 30_000;
const defaultPollIntervalMs = 10_000;
const defaultLivenessIntervalMs = 2_000;
/** Poll interval while the connection is lost, to notice its return quickly. */
const reconnectIntervalMs = 500;

export interface LibvirtDbusConnectOptions extends HypervisorConnectOptions {
  /** How often a cheap call checks that libvirt-dbus still reaches libvirtd; default 2 s. */
  livenessIntervalMs?: number;
}

/** What the connection asks of the object modules: re-reading on hints, forgetting on reconnection. */
export interface ConnectionHooks {
  /** Lists all domains; returns a domain-changed event for each that changed since the last listing. */
  refresh(): Promise<HypervisorEvent[]>;
  /** Re-reads the domain a DomainEvent names; undefined when there is nothing to report. */
  domainEvent(domainPath: string, event: number, detail: number): Promise<HypervisorEvent | undefined>;
  /** Signals may have been missed meanwhile: drop what was cached. */
  forgetCaches(): void;
}

export type LibvirtCall = (request: DbusRequest) => Promise<unknown[]>;

export class LibvirtConnection {
  private bus: dbus.MessageBus | undefined;
  readonly connectPath: string;
  private readonly callTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly livenessIntervalMs: number;
  private readonly listeners = new Set<(event: HypervisorEvent) => void>();
  private readonly domainEventQueues = new Map<string, Promise<void>>();
  private connected = true;
  private closed = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    readonly options: LibvirtDbusConnectOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.connectPath = connectPaths[options.driver];
    this.callTimeoutMs = options.callTimeoutMs ?? defaultCallTimeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
    this.livenessIntervalMs = options.livenessIntervalMs ?? defaultLivenessIntervalMs;
  }

  /** Connects, takes the first listing, then starts the poll and the liveness check. */
  async open(): Promise<void> {
    try {
      await this.openBus();
      // The first listing opens libvirt-dbus's connection to libvirt, which is what registers its event callbacks.
      await this.hooks.refresh();
    } catch (error) {
      await this.close();
      throw error;
    }
    this.schedulePoll();
    this.scheduleLivenessCheck();
  }

  busAddress(): string | undefined {
    return this.options.busAddress ?? process.env.DBUS_SESSION_BUS_ADDRESS;
  }

  /** The uid libvirt-dbus runs as: with the bus, it says which libvirt the qemu driver opens. */
  async serviceUserId(): Promise<number> {
    const bus = this.bus;
    if (!bus) throw new HypervisorError('disconnected', 'Not connected to D-Bus (reconnecting)');
    const [uid] = await this.rawCall(bus, 'org.freedesktop.DBus', {
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetConnectionUnixUser',
      signature: 's',
      body: [libvirtService],
    });
    return Number(uid);
  }

  private async openBus(): Promise<void> {
    const address = this.busAddress();
    const bus = address ? dbus.sessionBus({ busAddress: address }) : dbus.systemBus();
    await this.awaitBusConnect(bus, address ?? 'the system bus').catch((error: unknown) => {
      bus.disconnect();
      throw error;
    });
    readRepliesDirectly(bus);
    // Until it becomes this.bus, onBusGone ignores it; the listener keeps an 'error' from crashing the process.
    bus.on('error', (error: unknown) => this.onBusGone(bus, error instanceof Error ? error.message : String(error)));
    const rules = [
      `type='signal',sender='${libvirtService}',path='${this.connectPath}',interface='${connectInterface}',member='DomainEvent'`,
      `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${libvirtService}'`,
    ];
    try {
      for (const rule of rules) {
        await this.rawCall(bus, 'org.freedesktop.DBus', {
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'AddMatch',
          signature: 's',
          body: [rule],
        });
      }
    } catch (error) {
      bus.disconnect();
      throw error;
    }
    bus.on('message', (message: dbus.Message) => this.onMessage(message));
    this.bus = bus;
  }

  private awaitBusConnect(bus: dbus.MessageBus, where: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new HypervisorError('timeout', `Connecting to D-Bus at ${where} timed out`)),
        this.callTimeoutMs,
      );
      bus.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      bus.once('error', (error: unknown) => {
        clearTimeout(timer);
        const reason = error instanceof Error ? error.message : String(error);
        reject(new HypervisorError('disconnected', `Cannot connect to D-Bus at ${where}: ${reason}`));
      });
    });
  }

  private rawCall(bus: dbus.MessageBus, destination: string, request: DbusRequest): Promise<unknown[]> {
    return dbusCall(bus, destination, request, this.callTimeoutMs);
  }

  /** Every libvirt call goes through here, so a lost connection is noticed wherever it shows. */
  readonly call: LibvirtCall = async (request) => {
    if (this.closed) throw new HypervisorError('disconnected', 'This hypervisor connection is closed');
    const bus = this.bus;
    if (!bus) {
      throw new HypervisorError('disconnected', `Not connected to D-Bus (reconnecting): ${request.interface}.${request.member} not sent`);
    }
    try {
      return await this.rawCall(bus, libvirtService, request);
    } catch (error) {
      if (error instanceof HypervisorError && error.code === 'disconnected') this.markLost(error.message);
      throw error;
    }
  };

  private onBusGone(bus: dbus.MessageBus, reason: string): void {
    if (this.bus !== bus) return;
    this.bus = undefined;
    bus.disconnect();
    this.markLost(`D-Bus connection lost: ${reason}`);
  }

  private markLost(reason: string): void {
    if (this.closed || !this.connected) return;
    this.connected = false;
    this.emit({ type: 'connection-lost', reason });
    this.schedulePoll(reconnectIntervalMs);
  }

  // ---- signals ----

  private onMessage(message: dbus.Message): void {
    if (message.type !== dbus.MessageType.SIGNAL || this.closed) return;
    if (message.interface === 'org.freedesktop.DBus' && message.member === 'NameOwnerChanged' && message.body[0] === libvirtService) {
      const newOwner = message.body[2] as string;
      if (newOwner === '') this.markLost('libvirt-dbus left the bus');
      // A new libvirt-dbus registers event callbacks only once a call opens its libvirt connection.
      else void this.pollNow();
      return;
    }
    if (message.interface === connectInterface && message.member === 'DomainEvent' && message.path === this.connectPath) {
      const [domainPath, event, detail] = message.body as [string, number, number];
      this.queueDomainEvent(domainPath, event, detail);
    }
  }

  /** One queue per domain, so its events go out in the order libvirt sent them. */
  private queueDomainEvent(domainPath: string, event: number, detail: number): void {
    const uuid = uuidFromObjectPath(domainPath);
    const queued = (this.domainEventQueues.get(uuid) ?? Promise.resolve()).then(async () => {
      const hypervisorEvent = await this.hooks.domainEvent(domainPath, event, detail);
      if (hypervisorEvent) this.emit(hypervisorEvent);
    });
    this.domainEventQueues.set(uuid, queued);
    void queued.finally(() => {
      if (this.domainEventQueues.get(uuid) === queued) this.domainEventQueues.delete(uuid);
    });
  }

  private emit(event: HypervisorEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not stop the others from hearing the event.
      }
    }
  }

  subscribe(listener: (event: HypervisorEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  // ---- polling backstop and reconnection ----

  private schedulePoll(delayMs = this.pollIntervalMs): void {
    if (this.closed) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.pollNow(), delayMs);
    this.pollTimer.unref();
  }

  private scheduleLivenessCheck(): void {
    if (this.closed) return;
    this.livenessTimer = setTimeout(() => void this.checkLiveness().finally(() => this.scheduleLivenessCheck()), this.livenessIntervalMs);
    this.livenessTimer.unref();
  }

  /**
   * A call libvirt-dbus forwards to libvirtd. It fails while libvirtd is down (call() then marks the
   * connection lost), and once libvirtd is back it makes libvirt-dbus reconnect and re-register its
   * event callbacks. A restart quicker than the interval goes unreported, though the next check
   * still brings events back; the poll backstop reports what changed meanwhile.
   */
  private async checkLiveness(): Promise<void> {
    if (this.closed || !this.connected) return; // while lost, the reconnect poll is already retrying
    try {
      await this.call({
        path: this.connectPath,
        interface: propertiesInterface,
        member: 'Get',
        signature: 'ss',
        body: [connectInterface, 'LibVersion'],
      });
    } catch (error) {
      // A libvirtd that stopped answering counts as lost, as in the poll.
      if (error instanceof HypervisorError && error.code === 'timeout') this.markLost(error.message);
    }
  }

  private pollNow(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
      this.schedulePoll(this.connected ? this.pollIntervalMs : reconnectIntervalMs);
    });
    return this.polling;
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.bus) await this.openBus();
      const restoring = !this.connected;
      // Signals may have been missed and domains redefined meanwhile: forget what was cached.
      if (restoring) this.hooks.forgetCaches();
      const changes = await this.hooks.refresh();
      if (restoring && !this.closed) {
        this.connected = true;
        this.emit({ type: 'connection-restored' });
      }
      for (const change of changes) this.emit(change);
    } catch (error) {
      if (error instanceof HypervisorError && (error.code === 'disconnected' || error.code === 'timeout')) {
        this.markLost(error.message);
      }
      // If the bus itself is gone (dbus-daemon restarted), drop it so the next poll connects afresh.
      const bus = this.bus;
      if (!this.connected && bus && !(await this.busAnswers(bus))) {
        this.onBusGone(bus, 'the bus does not answer');
      }
    }
  }

  private async busAnswers(bus: dbus.MessageBus): Promise<boolean> {
    try {
      await dbusCall(
        bus,
        'org.freedesktop.DBus',
        { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetId' },
        Math.min(this.callTimeoutMs, 2000),
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.livenessTimer);
    await this.polling?.catch(() => undefined);
    this.listeners.clear();
    this.bus?.disconnect();
    this.bus = undefined;
  }
}
