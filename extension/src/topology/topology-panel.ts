// The Lab Topology panel (vlm.showLabTopology): one panel per lab file, opened from a lab row, a lab
// file's editor title or code lens, or the Command Palette. The language server reads the lab from
// the file as typed (vlm/labTopology); the host's VM states are laid over it. It redraws a moment
// after an edit or a host change, and reopens on the same file after a reload.
import * as vscode from 'vscode';
import { isValidName, type TopologyLab, type TopologyToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { dashboardPanelHtml, dashboardPanelOptions } from '../dashboard/dashboard-panel-page';
import type { ExtensionScope } from '../extension-scope';
import { readLabHeader } from '../lab-document';
import type { LabRow, VmRow } from '../labs-tree-model';
import { overlayHostState } from './lab-topology';
import { svgExportProblem } from './svg-export-check';

export const topologyViewType = 'vlm.labTopology';
/** Quiet time after a keystroke or a host event before the drawing is read again. */
const redrawDelayMs = 300;

/** Asks the language server for the lab of an open document; null when it does not have it. */
export type TopologyReader = (uri: vscode.Uri) => Promise<TopologyLab | null>;

export function registerTopologyPanel(scope: ExtensionScope, read: TopologyReader): void {
  const panels = new Map<string, TopologyPanel>();
  const open = async (target: unknown) => {
    try {
      const uri = await labFileOf(target);
      const key = uri.toString();
      const existing = panels.get(key);
      if (existing) existing.panel.reveal();
      else
        adopt(
          vscode.window.createWebviewPanel(topologyViewType, 'Lab Topology', vscode.ViewColumn.Beside, dashboardPanelOptions(scope)),
          uri,
        );
    } catch (error) {
      await scope.log.reportError('show the lab topology', error);
    }
  };
  const adopt = (panel: vscode.WebviewPanel, uri: vscode.Uri) => {
    const key = uri.toString();
    panels.get(key)?.panel.dispose();
    const topology = new TopologyPanel(scope, panel, uri, read);
    panels.set(key, topology);
    panel.onDidDispose(() => {
      topology.dispose();
      if (panels.get(key) === topology) panels.delete(key);
    });
  };
  scope.context.subscriptions.push(
    vscode.commands.registerCommand('vlm.showLabTopology', open),
    vscode.window.registerWebviewPanelSerializer(topologyViewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const uri = restoredUri(state);
        if (uri) adopt(panel, uri);
        else panel.dispose();
      },
    }),
    {
      dispose: () => {
        for (const topology of [...panels.values()]) topology.panel.dispose();
      },
    },
  );
}

/** The file a restored panel showed: only a file or untitled URI the panel kept in its state. */
function restoredUri(state: unknown): vscode.Uri | undefined {
  const raw = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
  if (typeof raw !== 'string' || raw.length > 4096) return undefined;
  try {
    const uri = vscode.Uri.parse(raw, true);
    return uri.scheme === 'file' || uri.scheme === 'untitled' ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** The lab file a command target names: a file URI, a lab row of the Hosts view, or the active editor. */
async function labFileOf(target: unknown): Promise<vscode.Uri> {
  if (target instanceof vscode.Uri) return target;
  if (isLabRow(target)) {
    for (const uri of await vscode.workspace.findFiles('**/*.{lab.yaml,lab.yml}', '**/node_modules/**', 500)) {
      const header = readLabHeader(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      if (header?.name === target.labName && header.host === target.hostName) return uri;
    }
    throw new Error(`no lab file in this workspace has name: ${target.labName} and host: ${target.hostName}`);
  }
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId === 'vlm-lab') return editor.document.uri;
  throw new Error('open a lab file, or choose a lab in the Hosts view, first');
}

function isLabRow(value: unknown): value is LabRow {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'lab';
}

class TopologyPanel implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lab: TopologyLab | undefined;

  constructor(
    private readonly scope: ExtensionScope,
    readonly panel: vscode.WebviewPanel,
    private readonly uri: vscode.Uri,
    private readonly read: TopologyReader,
  ) {
    panel.webview.options = dashboardPanelOptions(scope);
    panel.webview.html = dashboardPanelHtml(scope, panel.webview, 'topology', 'Lab Topology');
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.toString() === uri.toString()) this.schedule(true);
      }),
      scope.hosts.onDidChange(() => this.schedule(false)),
    );
  }

  private schedule(reread: boolean): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void (reread || !this.lab ? this.refresh() : this.post()), redrawDelayMs);
  }

  /** Reads the lab from the language server (opening the file for it if needed) and draws it. */
  private async refresh(): Promise<void> {
    try {
      await vscode.workspace.openTextDocument(this.uri);
      // A file just opened for the server may reach it a moment after this request: ask again, briefly.
      let lab = await this.read(this.uri);
      for (let attempt = 0; !lab && attempt < 3; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, redrawDelayMs));
        lab = await this.read(this.uri);
      }
      if (!lab) throw new Error('the lab language server has not read this file, or refused it as too large or too deeply nested');
      this.lab = lab;
      this.panel.title = lab.lab ? `Topology: ${lab.lab}` : 'Lab Topology';
      await this.post();
    } catch (error) {
      this.scope.log.warn(`Lab Topology: ${error instanceof Error ? error.message : String(error)}`);
      await this.panel.webview.postMessage({
        type: 'error',
        message: `Could not read ${this.uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  private async post(): Promise<void> {
    if (!this.lab) return;
    const topology = overlayHostState(this.lab, this.scope.hosts.snapshots());
    await this.panel.webview.postMessage({ type: 'topology', uri: this.uri.toString(), topology });
  }

  private async receive(raw: unknown): Promise<void> {
    const check = checkPanelMessage('TopologyToExtension', raw);
    if (!check.ok) {
      this.scope.log.warn(`Lab Topology panel: ${check.problem}`);
      return;
    }
    try {
      await this.handle(check.message);
    } catch (error) {
      await this.scope.log.reportError('do what the topology panel asked', error);
    }
  }

  private async handle(message: TopologyToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.refresh();
      case 'revealVm': {
        const row = this.vmRow(message.vm);
        if (row) await this.scope.treeView.reveal(row, { select: true, focus: true });
        return;
      }
      case 'openConsole': {
        const row = this.vmRow(message.vm);
        if (row) await vscode.commands.executeCommand('vlm.vm.openSerialConsole', row);
        return;
      }
      case 'exportSvg':
        return this.exportSvg(message.svg);
    }
  }

  /** The VM's row as the Hosts view shows it; a message when it has none. */
  private vmRow(vmName: string): VmRow | undefined {
    const lab = this.lab;
    const row = lab && this.scope.tree.findVm(lab.host, lab.lab, vmName);
    if (!row) {
      void vscode.window.showWarningMessage(
        `VM ${vmName} is not in the Hosts view: lab ${lab?.lab ?? ''} may not be deployed on ${lab?.host ?? 'its host'}, or the view's filter hides it.`,
      );
    }
    return row;
  }

  private async exportSvg(svg: string): Promise<void> {
    const problem = svgExportProblem(svg);
    if (problem) throw new Error(`the drawing was not saved: ${problem}`);
    // The lab's name reaches a path only when it is a valid lab name.
    const name = isValidName(this.lab?.lab) ? this.lab?.lab : 'lab';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.uri, '..', `${name}.topology.svg`),
      filters: { 'SVG image': ['svg'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(svg));
    this.scope.log.info(`Lab Topology: saved ${target.fsPath}`);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
