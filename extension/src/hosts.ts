// The hosts of the `vlm.*` settings and their connections. Each connection owns a disposable
// scope that lives exactly as long as the connection does.
import * as vscode from 'vscode';
import { readHostConfiguration, type HostDefinition } from './host-configuration';
import { describeHostInfo, openHostClient } from './host-client';
import type { HostSnapshot, HostState } from './host-state';
import type { Log } from './log';

/** One host and, while connected, the resources of that connection. */
export class HostConnection implements vscode.Disposable {
  state: HostState = { status: 'disconnected', reason: 'Not connected yet.' };
  private scope: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly host: HostDefinition,
    private readonly log: Log,
    private readonly changed: () => void,
  ) {}

  async connect(): Promise<void> {
    this.closeScope();
    this.setState({ status: 'connecting' });
    const address = this.host.address;
    if (address.kind === 'ssh') {
      this.setState({
        status: 'disconnected',
        reason: `Hosts reached over SSH (${address.destination}) need the host service's remote API, which this version cannot use yet.`,
      });
      return;
    }
    try {
      const client = await openHostClient(address.path);
      if (this.disposed) {
        // The host left the settings while the connection was being opened.
        client.dispose();
        return;
      }
      this.scope.push(new vscode.Disposable(() => client.dispose()));
      void client.closed.then(() => {
        if (this.scope.length === 0) return; // closed by us
        this.closeScope();
        this.log.warn(`Host ${this.host.name}: the host service closed the connection.`);
        this.setState({ status: 'disconnected', reason: 'The host service closed the connection.' });
      });
      this.log.info(`Host ${this.host.name}: connected through ${address.path}; ${describeHostInfo(client.info).join(' ')}`);
      this.setState({ status: 'connected', details: describeHostInfo(client.info) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log.info(`Host ${this.host.name}: ${reason}`);
      this.setState({ status: 'disconnected', reason });
    }
  }

  disconnect(): void {
    this.closeScope();
    this.setState({ status: 'disconnected', reason: 'Disconnected.' });
  }

  snapshot(): HostSnapshot {
    // Labs and VMs come from the host service's API once the extension speaks it.
    return { host: this.host, state: this.state, labs: [] };
  }

  dispose(): void {
    this.disposed = true;
    this.closeScope();
  }

  private closeScope(): void {
    const scope = this.scope;
    this.scope = [];
    for (const disposable of scope) disposable.dispose();
  }

  private setState(state: HostState): void {
    if (this.disposed) return;
    this.state = state;
    this.changed();
  }
}

export class Hosts implements vscode.Disposable {
  private connections = new Map<string, HostConnection>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly log: Log) {}

  /** Reads the settings again: new hosts connect, removed or changed ones close. */
  reload(): void {
    const settings = vscode.workspace.getConfiguration('vlm');
    const configuration = readHostConfiguration({
      localEnabled: settings.get<boolean>('localHost.enabled', true),
      localSocket: settings.get<string>('localHost.socket', ''),
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
    const next = new Map<string, HostConnection>();
    for (const host of configuration.hosts) {
      const existing = this.connections.get(host.name);
      if (existing && JSON.stringify(existing.host) === JSON.stringify(host)) {
        next.set(host.name, existing);
        continue;
      }
      existing?.dispose();
      const connection = new HostConnection(host, this.log, () => this.changeEmitter.fire());
      next.set(host.name, connection);
      void connection.connect();
    }
    for (const [name, connection] of this.connections) if (!next.has(name)) connection.dispose();
    this.connections = next;
    this.changeEmitter.fire();
  }

  get(name: string): HostConnection | undefined {
    return this.connections.get(name);
  }

  async reconnectAll(): Promise<void> {
    await Promise.all([...this.connections.values()].filter((c) => c.state.status !== 'connected').map((c) => c.connect()));
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
