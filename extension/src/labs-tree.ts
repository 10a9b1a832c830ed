// The "Hosts" view: maps the plain rows of labs-tree-model.ts to TreeItems. Host changes are
// gathered for a moment, then only the rows that changed are refreshed (tree-rows.ts).
import * as vscode from 'vscode';
import { LabsGetRequest, MetricsGetRequest, VmsRunningIntervalsRequest } from '@vlm/schemas/src/host-protocol';
import { hasIdleCountdown, idleCountdownRefreshMs, isLeafRow, type Row, type VmRow, type VmRowCache } from './labs-tree-model';
import type { Hosts } from './hosts';
import { type HostProblem, welcomeProblem } from './first-run';
import { labsTreeWithWorkspace } from './workspace-lab-rows';
import type { WorkspaceLabFiles } from './workspace-lab-files';
import { refreshDelayMs, StableRows } from './tree-rows';
import { tooltipMarkdown, treeItemOf } from './tree-items';
import { markdownLines, markdownText } from './markdown-text';
import { vmFactLines, vmTooltipMarkdown } from './vm-tooltip';
import { hasWords } from './row-context';
import { tooltipWithMetrics } from './vm-metrics-tooltip';

export class LabsTreeProvider implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Row | Row[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private filterText = '';
  private readonly subscriptions: vscode.Disposable[];
  private readonly rows = new StableRows();
  private readonly vmRows: VmRowCache = new WeakMap();
  private roots: Row[] | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly countdownTimer: NodeJS.Timeout;

  constructor(
    private readonly hosts: Hosts,
    private readonly labFiles: WorkspaceLabFiles,
  ) {
    this.subscriptions = [hosts.onDidChange(() => this.scheduleRefresh()), labFiles.onDidChange(() => this.scheduleRefresh())];
    // Idle shutdown countdowns move with the clock, not with events: redraw the rows that changed.
    this.countdownTimer = setInterval(() => {
      if (hasIdleCountdown(this.hosts.snapshots())) this.refreshNow(false);
    }, idleCountdownRefreshMs);
  }

  /** Why no host is connected, on a first run; the view then shows no rows, so its welcome content shows. */
  get problem(): HostProblem | undefined {
    return welcomeProblem(this.hosts.snapshots());
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(filter: string): void {
    this.filterText = filter.trim();
    void vscode.commands.executeCommand('setContext', 'vlm.filtered', this.filterText !== '');
    this.refreshNow(true);
  }

  /** Reads every host again and redraws the whole view. */
  refreshAll(): void {
    this.refreshNow(true);
  }

  getTreeItem(row: Row): vscode.TreeItem {
    // Hosts and labs are always expandable: their children come and go with the host's events,
    // and a row that was once a leaf would otherwise stay one. Other people's VMs start folded.
    const collapsible = isLeafRow(row)
      ? vscode.TreeItemCollapsibleState.None
      : row.kind === 'lab' && row.labName === ''
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
    const item = treeItemOf(row, collapsible);
    // A click on a lab opens its file: the workspace's, else the host's record of it.
    if (row.kind === 'workspaceLab' || row.kind === 'lab') {
      if (row.labName) item.command = { command: 'vlm.lab.openFile', title: 'Open Lab File', arguments: [row] };
    }
    // VS Code resolves only a tooltip left undefined: resolveTreeItem makes it when it opens.
    if (row.kind === 'vm') item.tooltip = undefined;
    return item;
  }

  /** A VM's Markdown tooltip, made when it opens, with the host's facts: image and addresses, uptime and live figures. */
  async resolveTreeItem(item: vscode.TreeItem, row: Row, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (row.kind !== 'vm') return item;
    item.tooltip = tooltipMarkdown(vmTooltipMarkdown(row.tooltipFacts));
    const host = this.hosts.get(row.hostName);
    if (host?.state.status !== 'connected') return item;
    const running = hasWords(row.contextValue, 'vm', 'running');
    const quietly = <T>(promise: Promise<T> | undefined) => promise?.catch(() => undefined);
    const [details, intervals, metrics] = await Promise.all([
      row.labName ? quietly(host.request(LabsGetRequest.type, { name: row.labName }, token)) : undefined,
      running ? quietly(host.request(VmsRunningIntervalsRequest.type, { month: new Date().toISOString().slice(0, 7) }, token)) : undefined,
      running
        ? host
            .request(MetricsGetRequest.type, { vm: row.domain }, token)
            .then((result) => result.vms[0])
            .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        : undefined,
    ]);
    const facts = vmFactLines(row.vmName, row.domain, {
      ...(details ? { definition: details.definition } : {}),
      ...(intervals ? { intervals } : {}),
    });
    const figures = running ? markdownLines(tooltipWithMetrics('', metrics).trim().split('\n').map(markdownText)) : '';
    item.tooltip = tooltipMarkdown([vmTooltipMarkdown(row.tooltipFacts), facts, figures].filter(Boolean).join('\n\n'));
    return item;
  }

  getChildren(row?: Row): Row[] {
    if (!row) {
      // The view shows the hosts: the time to connect them (activation did not).
      this.hosts.connectAll();
      this.roots ??= this.rows.reconcile(this.currentRows()).roots;
      return this.roots;
    }
    return isLeafRow(row) ? [] : row.children;
  }

  /** The row the view shows for a VM of a lab, if it shows one (for reveal and actions). */
  findVm(hostName: string, labName: string, vmName: string): VmRow | undefined {
    const lab = this.rows.get(`lab/${hostName}/${labName}`);
    return lab?.kind === 'lab' ? lab.children.find((child): child is VmRow => child.kind === 'vm' && child.vmName === vmName) : undefined;
  }

  getParent(row: Row): Row | undefined {
    if (row.kind === 'host' || row.kind === 'workspaceGroup') return undefined;
    if (row.kind === 'lab') return this.rows.get(`host/${row.hostName}`);
    if (row.kind === 'workspaceLab') return this.rows.get(row.parentId);
    return this.rows.get(`lab/${row.hostName}/${row.labName}`);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    clearInterval(this.countdownTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }

  /** No rows while no host is connected: VS Code then shows the welcome content, which says why. */
  private currentRows(): Row[] {
    const snapshots = this.hosts.snapshots();
    if (welcomeProblem(snapshots)) return [];
    return labsTreeWithWorkspace(snapshots, this.labFiles.files(), this.filterText, Date.now(), this.vmRows);
  }

  private scheduleRefresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshNow(false);
    }, refreshDelayMs);
  }

  private refreshNow(everything: boolean): void {
    const { roots, changed, rootsChanged } = this.rows.reconcile(this.currentRows());
    this.roots = roots;
    if (everything || rootsChanged) this.changeEmitter.fire(undefined);
    else if (changed.length > 0) this.changeEmitter.fire(changed);
  }
}
