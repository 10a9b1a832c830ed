// The hosts of the `vlm.*` settings and their connections. Each connection owns a disposable
// scope that lives exactly as long as the connection does: the socket, the event subscription,
// and for the `local` host the vlm-host process the extension started.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc/node';
import type { HostFacts } from '@vlm/language-server/src/protocol';
import {
  EventNotification,
  EventsSubscribeRequest,
  LabsGetRequest,
  LabsListRequest,
  LabSnapshotsListRequest,
  VmsListRequest,
  type HostEvent,
  type HostInfoResult,
} from '@vlm/schemas/src/host-protocol';
import { readHostConfiguration, type HostDefinition } from './host-configuration';
import { describeHostInfo, openHostClient, type HostClient } from '@vlm/host-client/src/connection';
import { HostInventory } from './host-inventory';
import type { HostConnectionState, HostSnapshot, LabActivity } from './host-snapshot';
import { localDataFolder, type LocalDriver, type LocalHostProcess, useLocalHost } from './local-host-process';
import { chooseLocalLibvirt, type LocalLibvirtChoice, localLibvirtFacts } from './local-libvirt-choice';
import type { Log } from './log';
import { connectRemoteHost, sshPrompts } from './remote/remote-host-prompts';
import type { RemoteHostPrompts } from './remote/remote-host-client';

/** Without SecretStorage, passwords are asked for every time and never kept. */
const missingSecrets = { get: async () => undefined, store: async () => undefined, delete: async () => undefined };

/** How to start the `local` host's service when the extension runs it itself. */
export interface LocalServiceSettings {
  serverPath: string;
  storageFolder: string;
  dataFolder: string;
  driver: LocalDriver;
  busAddress: string;
}

type RequestType<P, R> = import('vscode-jsonrpc/node').RequestType<P, R, unknown>;

const reconnectDelaysMs = [1000, 2000, 5000, 10_000, 30_000];

/** What a connection may do besides connecting. */
export interface ConnectOptions {
  /** True when a user asked for it (a command, a row expanded): only then may it ask for a host key or a password. */
  interactive?: boolean;
}

/** Prompts that ask nothing, for connections nobody asked for; they note that a question was needed. */
function silentPrompts(): RemoteHostPrompts & { wanted: boolean } {
  const prompts = { wanted: false };
  /** Every question gets the answer of someone who is not there, and is noted. */
  const decline =
    <Answer>(answer: Answer) =>
    async (): Promise<Answer> => {
      prompts.wanted = true;
      return answer;
    };
  return Object.assign(prompts, {
    confirmHostKey: decline(false),
    askPassword: decline(undefined),
    askPassphrase: decline(undefined),
    answerKeyboardInteractive: decline(undefined),
  });
}

/** One host and, while connected, the resources of that connection. */
export class HostConnection implements vscode.Disposable {
  state: HostConnectionState = {
    status: 'disconnected',
    reason: vscode.l10n.t('Not connected yet: it connects when the Virtual Labs view shows it.'),
    untried: true,
  };
  /** True once connect() has run: hosts that never tried connect when the view first shows. */
  attempted = false;
  readonly inventory = new HostInventory();
  private client: HostClient | undefined;
  private scope: vscode.Disposable[] = [];
  private disposed = false;
  private lastSequence: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private reloadTimer: NodeJS.Timeout | undefined;
  private service: LocalHostProcess | undefined;
  private readonly deployLogs = new Map<string, vscode.OutputChannel>();
  private readonly eventListeners = new Set<(event: HostEvent) => void>();

  constructor(
    readonly host: HostDefinition,
    private readonly log: Log,
    private readonly changed: () => void,
    readonly localService?: LocalServiceSettings,
    /** Where passwords of SSH hosts are kept. */
    private readonly secrets?: vscode.SecretStorage,
  ) {}

  /** What the host's service said about itself, while connected. */
  get info(): HostInfoResult | undefined {
    return this.state.status === 'connected' ? this.client?.info : undefined;
  }

  get messageConnection(): MessageConnection | undefined {
    return this.state.status === 'connected' ? this.client?.connection : undefined;
  }

  async connect(options: ConnectOptions = {}): Promise<void> {
    if (this.disposed) return;
    const prompts = options.interactive ? undefined : silentPrompts();
    this.attempted = true;
    this.cancelReconnect();
    this.closeScope();
    this.setState({ status: 'connecting' });
    const address = this.host.address;
    try {
      // Over SSH, the remote service's socket is forwarded through the SSH connection.
      const socketPath =
        address.kind === 'ssh'
          ? `${address.destination} (SSH)`
          : this.localService
            ? await this.startLocalService(this.localService)
            : address.path;
      const client =
        address.kind === 'ssh'
          ? await connectRemoteHost(
              address.destination,
              this.secrets ?? missingSecrets,
              (line) => this.log.info(line),
              {
                ...(address.socketPath ? { socketPath: address.socketPath } : {}),
                rememberPassphrases: vscode.workspace.getConfiguration('vlm').get<boolean>('ssh.rememberPassphrases', false),
              },
              prompts ?? sshPrompts,
            )
          : await openHostClient(socketPath);
      if (this.disposed) {
        // The host left the settings while the connection was being opened.
        client.dispose();
        this.end()?.release();
        return;
      }
      this.client = client;
      this.scope.push(new vscode.Disposable(() => client.dispose()));
      void client.closed.then(() => {
        if (this.client !== client) return; // closed by us
        this.closeScope();
        this.log.warn(`Host ${this.host.name}: the host service closed the connection.`);
        this.scheduleReconnect('The host service closed the connection.');
      });
      await this.subscribe(client);
      this.reconnectAttempt = 0;
      this.log.info(`Host ${this.host.name}: connected through ${socketPath}; ${describeHostInfo(client.info).join(' ')}`);
      this.setState({
        status: 'connected',
        details: describeHostInfo(client.info),
        simulated: client.info.driver === 'test',
        libvirt: client.info.libvirtConnection,
      });
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      const reason = prompts?.wanted
        ? vscode.l10n.t('It needs your answer (its host key or a password): click Connect on its row, or expand it.')
        : failure;
      this.log.info(`Host ${this.host.name}: ${failure}`);
      this.closeScope();
      this.setState({ status: 'disconnected', reason });
    }
  }

  disconnect(): void {
    this.cancelReconnect();
    this.closeScope();
    this.setState({ status: 'disconnected', reason: 'Disconnected.' });
  }

  /** A request to the connected host; fails with a reason a user can act on when it is not connected. */
  request<P, R>(type: RequestType<P, R>, params: P, token?: CancellationToken): Promise<R> {
    const client = this.client;
    if (!client || this.state.status !== 'connected') {
      return Promise.reject(new Error(`Host ${this.host.name} is not connected. ${this.state.reason ?? ''}`.trim()));
    }
    return token ? client.connection.sendRequest(type, params, token) : client.connection.sendRequest(type, params);
  }

  /** Called with every event of this host, until the returned disposable is disposed. */
  onEvent(listener: (event: HostEvent) => void): vscode.Disposable {
    this.eventListeners.add(listener);
    return new vscode.Disposable(() => this.eventListeners.delete(listener));
  }

  /** The output channel that shows a lab's deploy log. */
  deployLog(lab: string): vscode.OutputChannel {
    let channel = this.deployLogs.get(lab);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Virtual Labs: ${lab} on ${this.host.name}`);
      this.deployLogs.set(lab, channel);
    }
    return channel;
  }

  snapshot(): HostSnapshot {
    return { host: this.host, state: this.state, labs: this.state.status === 'connected' ? this.inventory.snapshot() : [] };
  }

  /** The window closes, or the host left the settings: our service stops once no window uses it. */
  dispose(): void {
    this.end()?.release();
  }

  /**
   * The host's settings changed: our service runs with the old ones, so it stops even if another
   * window uses it (that window reconnects to one with the new settings).
   */
  async retire(): Promise<void> {
    await this.end()?.stop();
  }

  /** Closes everything but the local service, which it hands back. */
  private end(): LocalHostProcess | undefined {
    this.disposed = true;
    this.cancelReconnect();
    this.closeScope();
    for (const channel of this.deployLogs.values()) channel.dispose();
    this.deployLogs.clear();
    const service = this.service;
    this.service = undefined;
    return service;
  }

  /** Starts (or keeps, or shares with another window) the local host's vlm-host; returns its socket. */
  private async startLocalService(settings: LocalServiceSettings): Promise<string> {
    const use = await useLocalHost(this.service, { ...settings, output: (line) => this.log.info(`vlm-host: ${line}`) });
    if (!use.own) this.log.info(`Host ${this.host.name}: using the vlm-host another window runs on ${use.socketPath}.`);
    else if (use.own !== this.service) {
      this.log.info(
        `Host ${this.host.name}: started ${settings.serverPath} (libvirt ${settings.driver}${settings.busAddress ? `, bus ${settings.busAddress}` : ''}).`,
      );
      const service = use.own;
      void service.exited.then((reason) => {
        if (this.service !== service || this.disposed) return;
        this.log.warn(`Host ${this.host.name}: ${reason}.`);
      });
    }
    this.service = use.own;
    return use.socketPath;
  }

  /** Events first, then the listing, so nothing that happens in between is lost. */
  private async subscribe(client: HostClient): Promise<void> {
    const queued: HostEvent[] = [];
    let loading = true;
    client.connection.onNotification(EventNotification.type, (event) => {
      if (loading) queued.push(event);
      else this.handleEvent(event);
    });
    const resumeFrom = this.lastSequence;
    const subscribed = await client.connection.sendRequest(
      EventsSubscribeRequest.type,
      resumeFrom === undefined ? {} : { afterSequence: resumeFrom },
    );
    // Resumed without a gap: the replayed events bring the inventory up to date.
    if (resumeFrom === undefined || !subscribed.complete) await this.reload(client);
    loading = false;
    for (const event of queued) this.handleEvent(event);
    this.lastSequence = Math.max(this.lastSequence ?? 0, subscribed.currentSequence);
  }

  private async reload(client: HostClient): Promise<void> {
    const [{ labs }, { vms }] = await Promise.all([
      client.connection.sendRequest(LabsListRequest.type, {}),
      client.connection.sendRequest(VmsListRequest.type, {}),
    ]);
    // SSH ports come with each lab's resources; a handful of labs is the usual case.
    const details = await Promise.all(
      labs.slice(0, 50).map((lab) => client.connection.sendRequest(LabsGetRequest.type, { name: lab.name }).catch(() => undefined)),
    );
    const labSnapshots = await Promise.all(
      labs.slice(0, 50).map((lab) => client.connection.sendRequest(LabSnapshotsListRequest.type, { lab: lab.name }).catch(() => undefined)),
    );
    this.inventory.load(labs, vms);
    labs.slice(0, 50).forEach((lab, index) => {
      const listed = labSnapshots[index];
      if (listed) this.inventory.setLabSnapshots(lab.name, listed.snapshots);
    });
    for (const lab of details) {
      for (const port of lab?.resources.ports ?? []) {
        if (port.kind !== 'ssh') continue;
        const domain = lab?.resources.domains.find((candidate) => candidate.vm === port.vm)?.name;
        if (domain) this.inventory.sshPorts.set(domain, port.port);
      }
    }
  }

  /** Reads the lab's lab snapshots again (no event announces them) and redraws its row. */
  async refreshLabSnapshots(lab: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    const { snapshots } = await client.connection.sendRequest(LabSnapshotsListRequest.type, { lab });
    this.inventory.setLabSnapshots(lab, snapshots);
    this.changed();
  }

  /** Shows the lab busy with a lab snapshot operation (undefined: done). */
  setLabActivity(lab: string, activity: LabActivity | undefined): void {
    this.inventory.setActivity(lab, activity);
    this.changed();
  }

  private handleEvent(event: HostEvent): void {
    this.lastSequence = Math.max(this.lastSequence ?? 0, event.sequence);
    for (const listener of this.eventListeners) listener(event);
    if (event.type === 'deploy-log') {
      const line = event.line;
      this.deployLogs
        .get(event.lab)
        ?.appendLine(`${line.time} ${line.level === 'info' ? '' : `${line.level}: `}${line.vm ? `[${line.vm}] ` : ''}${line.text}`);
      return;
    }
    const change = this.inventory.apply(event);
    // New VMs and labs that change status (VMs join or leave them): read the listing again.
    if (change.unknownVm || event.type === 'lab-status') this.scheduleReload();
    if (change.vms.size > 0 || change.labs.size > 0 || change.labsAdded) this.changed();
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      const client = this.client;
      if (!client) return;
      this.reload(client).then(
        () => this.changed(),
        (error: unknown) => this.log.info(`Host ${this.host.name}: could not re-read labs and VMs: ${String(error)}`),
      );
    }, 100);
  }

  private scheduleReconnect(reason: string): void {
    if (this.disposed) return;
    const delay = reconnectDelaysMs[Math.min(this.reconnectAttempt, reconnectDelaysMs.length - 1)] ?? 30_000;
    this.reconnectAttempt += 1;
    this.setState({ status: 'disconnected', reason: `${reason} Connecting again in ${delay / 1000} s.` });
    this.cancelReconnect();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect().then(() => {
        if (this.state.status !== 'connected' && !this.disposed) this.scheduleReconnect(this.state.reason ?? 'Could not connect.');
      });
    }, delay);
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private closeScope(): void {
    this.client = undefined;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = undefined;
    const scope = this.scope;
    this.scope = [];
    for (const disposable of scope) disposable.dispose();
  }

  private setState(state: HostConnectionState): void {
    if (this.disposed) return;
    this.state = state;
    this.changed();
  }
}

export class Hosts implements vscode.Disposable {
  private connections = new Map<string, HostConnection>();
  /** The local libvirt decision of the last reload. */
  private decidedLibvirt: LocalLibvirtChoice | undefined;
  /** False until the view shows the hosts or a command needs one: activation connects nothing. */
  private connectingAllowed = false;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly log: Log,
    private readonly context: vscode.ExtensionContext,
  ) {}

  /** Reads the settings again: new hosts connect, removed or changed ones close. */
  reload(): void {
    const settings = vscode.workspace.getConfiguration('vlm');
    this.decidedLibvirt = undefined;
    const localSocket = settings.get<string>('localHost.socket', '');
    const configuration = readHostConfiguration({
      localEnabled: settings.get<boolean>('localHost.enabled', true),
      localSocket,
      hosts: settings.get<unknown>('hosts', []),
    });
    for (const problem of configuration.problems) this.log.warn(problem);
    if (configuration.problems.length > 0) {
      void vscode.window
        .showWarningMessage(`Some hosts in your settings were ignored: ${configuration.problems[0]}`, 'Open Settings', 'Show Log')
        .then((choice) => {
          if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'vlm.hosts');
          if (choice === 'Show Log') this.log.show();
        });
    }
    const localService = localSocket === '' ? this.localServiceSettings(settings) : undefined;
    const next = new Map<string, HostConnection>();
    for (const host of configuration.hosts) {
      const service = host.isLocal ? localService : undefined;
      const definition = service ? { ...host, address: { kind: 'socket' as const, path: `${service.storageFolder}/vlm-host.sock` } } : host;
      const existing = this.connections.get(host.name);
      if (existing && JSON.stringify([existing.host, existing.localService]) === JSON.stringify([definition, service])) {
        next.set(host.name, existing);
        continue;
      }
      // Connecting waits for the old service to stop, or it would be found answering and used.
      const retired = existing?.retire() ?? Promise.resolve();
      const connection = new HostConnection(definition, this.log, () => this.changeEmitter.fire(), service, this.context.secrets);
      next.set(host.name, connection);
      if (this.connectingAllowed) void retired.then(() => connection.connect());
    }
    for (const [name, connection] of this.connections) if (!next.has(name)) connection.dispose();
    this.connections = next;
    this.changeEmitter.fire();
  }

  /**
   * The extension runs the local host service itself when it can find vlm-host: the
   * `vlm.localHost.serverPath` setting (or VLM_HOST_SERVER, which `npm start` sets), else a
   * bundle shipped in the extension.
   */
  private localServiceSettings(settings: vscode.WorkspaceConfiguration): LocalServiceSettings | undefined {
    const configured = settings.get<string>('localHost.serverPath', '') || process.env.VLM_HOST_SERVER || '';
    const shipped = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'host-service', 'dist', 'vlm-host.js').fsPath;
    const serverPath = configured || (existsSync(shipped) ? shipped : '');
    if (!serverPath) return undefined;
    const storageFolder = vscode.Uri.joinPath(this.context.globalStorageUri, 'local-host').fsPath;
    const { driver } = this.localLibvirtChoice(settings);
    return {
      serverPath,
      storageFolder,
      dataFolder: localDataFolder(driver, storageFolder),
      driver,
      busAddress: settings.get<string>('localHost.busAddress', '') || process.env.VLM_BUS_ADDRESS || '',
    };
  }

  /**
   * The one decision (shared with npm start) of which libvirt the local host service uses; taken
   * again on each reload (settings change), not on every tree change.
   */
  localLibvirtChoice(settings = vscode.workspace.getConfiguration('vlm')): LocalLibvirtChoice {
    if (this.decidedLibvirt) return this.decidedLibvirt;
    const setting = settings.get<string>('localHost.libvirt', 'auto');
    try {
      this.decidedLibvirt = chooseLocalLibvirt(setting, process.env.VLM_LOCAL_LIBVIRT, localLibvirtFacts());
    } catch (error) {
      this.log.warn(`${error instanceof Error ? error.message : String(error)} Deciding without it.`);
      this.decidedLibvirt = chooseLocalLibvirt(setting, undefined, localLibvirtFacts());
    }
    return this.decidedLibvirt;
  }

  /** What the language server checks lab capacity against: the local host's CPUs and memory. */
  localFacts(): HostFacts | null {
    const local = [...this.connections.values()].find((connection) => connection.host.isLocal);
    const info = local?.info;
    return info ? { name: local.host.name, cpus: info.cpus, memory_mb: Math.floor(info.memoryBytes / 1024 ** 2) } : null;
  }

  /** The JSON-RPC connection of a connected host (the consoles use it). */
  connectionOf(name: string): MessageConnection | undefined {
    return this.connections.get(name)?.messageConnection;
  }

  get(name: string): HostConnection | undefined {
    return this.connections.get(name);
  }

  all(): HostConnection[] {
    return [...this.connections.values()];
  }

  /**
   * Connects the hosts that have not tried yet, asking nothing: the view calls it when it first
   * shows them. Hosts added to the settings afterwards connect as they come.
   */
  connectAll(): void {
    if (this.connectingAllowed) return;
    this.connectingAllowed = true;
    for (const connection of this.connections.values()) {
      if (connection.state.status === 'disconnected' && !connection.attempted) void connection.connect();
    }
  }

  /** A user asked (Refresh): every host not connected tries again, and may ask for a password. */
  async reconnectAll(): Promise<void> {
    this.connectingAllowed = true;
    await Promise.all(
      [...this.connections.values()].filter((c) => c.state.status !== 'connected').map((c) => c.connect({ interactive: true })),
    );
  }

  snapshots(): HostSnapshot[] {
    return [...this.connections.values()].map((connection) => connection.snapshot());
  }

  dispose(): void {
    for (const connection of this.connections.values()) connection.dispose();
    this.connections.clear();
    this.changeEmitter.dispose();
  }
}
