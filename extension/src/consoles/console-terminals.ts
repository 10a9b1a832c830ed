// VM consoles in the integrated terminal: one Pseudoterminal per console key, fed by host-client's
// ConsoleSession. Opening a console that is already open reveals its terminal.
import * as vscode from 'vscode';
import type { MessageConnection } from 'vscode-jsonrpc';
import { VmsListRequest, type ConsoleKind } from '@vlm/schemas/src/host-protocol';
import { ConsoleSession, findDomainName, type ConsoleKey } from '@vlm/host-client/src/console-session';
import { ConsoleRegistry, consoleTitle, endedLine, writeFailedLine } from './console-registry';

/** What the terminals need of the hosts: the open connection of a host, if it has one. */
export interface ConsoleHosts {
  connectionOf(hostName: string): MessageConnection | undefined;
}

/** The parts of a tree row that name a VM. */
export interface VmTarget {
  hostName: string;
  labName: string;
  vmName: string;
  /** The libvirt domain name, when the row knows it. */
  domain?: string;
}

interface OpenConsole {
  terminal: vscode.Terminal;
  session: ConsoleSession;
}

export class ConsoleTerminals implements vscode.Disposable {
  private readonly open = new ConsoleRegistry<OpenConsole>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly hosts: ConsoleHosts) {}

  /** Opens (or reveals) the console of `target`. */
  async openConsole(target: VmTarget, kind: ConsoleKind, preserveFocus = false): Promise<void> {
    const key: ConsoleKey = { host: target.hostName, lab: target.labName, vm: target.vmName, kind };
    const existing = this.open.get(key);
    if (existing && !existing.session.ended) {
      existing.terminal.show(preserveFocus);
      return;
    }
    // An ended console's terminal stays until closed; a new open replaces it.
    existing?.terminal.dispose();
    const connection = this.connectionOf(target.hostName);
    const domain = target.domain ?? (await findDomainName(connection, target.labName, target.vmName));
    const session = await ConsoleSession.open(connection, { key, domain });
    const terminal = vscode.window.createTerminal({
      name: consoleTitle(key),
      pty: consolePseudoterminal(session),
      iconPath: new vscode.ThemeIcon(kind === 'ssh' ? 'remote' : 'terminal'),
      isTransient: true,
    });
    const entry = { terminal, session };
    this.open.set(key, entry);
    this.subscriptions.push(
      vscode.window.onDidCloseTerminal((closed) => {
        if (closed === terminal) this.open.delete(key, entry);
      }),
    );
    terminal.show(preserveFocus);
  }

  /** Opens the serial console of every running VM of a lab; returns what could not be opened. */
  async openLabConsoles(hostName: string, labName: string): Promise<string[]> {
    const connection = this.connectionOf(hostName);
    const { vms } = await connection.sendRequest(VmsListRequest.type, { lab: labName });
    const running = vms.filter((vm) => vm.state === 'running' && vm.labVm !== undefined);
    if (running.length === 0) throw new Error(`Lab "${labName}" has no running VMs on host "${hostName}". Start one first.`);
    const problems: string[] = [];
    for (const vm of running) {
      const target = { hostName, labName, vmName: vm.labVm ?? vm.name, domain: vm.name };
      try {
        await this.openConsole(target, 'serial', true);
      } catch (error) {
        problems.push(`${target.vmName}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  }

  dispose(): void {
    for (const { session } of this.open.values()) void session.close();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private connectionOf(hostName: string): MessageConnection {
    const connection = this.hosts.connectionOf(hostName);
    if (!connection) throw new Error(`Host "${hostName}" is not connected. Connect it from the Virtual Labs view first.`);
    return connection;
  }
}

function consolePseudoterminal(session: ConsoleSession): vscode.Pseudoterminal {
  const written = new vscode.EventEmitter<string>();
  const closed = new vscode.EventEmitter<void>();
  return {
    onDidWrite: written.event,
    onDidClose: closed.event,
    open(dimensions) {
      if (dimensions) session.resize(dimensions.columns, dimensions.rows);
      session.attach({
        output: (text) => written.fire(text),
        ended: (reason) => written.fire(endedLine(reason)),
        writeFailed: (reason) => written.fire(writeFailedLine(reason)),
      });
    },
    handleInput: (data) => session.write(data),
    setDimensions: (dimensions) => session.resize(dimensions.columns, dimensions.rows),
    close() {
      void session.close();
      written.dispose();
      closed.dispose();
    },
  };
}
