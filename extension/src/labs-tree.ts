// The "Hosts" view: maps the plain rows of labs-tree-model.ts to TreeItems. Host changes are
// gathered for a moment, then only the rows that changed are refreshed (tree-rows.ts).
import * as vscode from 'vscode';
import { MetricsGetRequest } from '@vlm/schemas/src/host-protocol';
import { hasIdleCountdown, idleCountdownRefreshMs, isLeafRow, labsTree, type Row, type VmRow } from './labs-tree-model';
import type { Hosts } from './hosts';
import { refreshDelayMs, StableRows } from './tree-rows';
import { treeItemOf } from './tree-items';
import { tooltipWithMetrics } from './vm-metrics-tooltip';

export class LabsTreeProvider implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Row | Row[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private filterText = '';
  private readonly subscription: vscode.Disposable;
  private readonly rows = new StableRows();
  private roots: Row[] | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly countdownTimer: NodeJS.Timeout;

  constructor(private readonly hosts: Hosts) {
    this.subscription = hosts.onDidChange(() => this.scheduleRefresh());
    // Idle shutdown countdowns move with the clock, not with events: redraw the rows that changed.
    this.countdownTimer = setInterval(() => {
      if (hasIdleCountdown(this.hosts.snapshots())) this.refreshNow(false);
    }, idleCountdownRefreshMs);
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
      : row.contextValue === 'looseVms'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
    return treeItemOf(row, collapsible);
  }

  /** A running VM's tooltip gains its live figures when it opens (one vlm/metrics/get). */
  async resolveTreeItem(item: vscode.TreeItem, row: Row, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (row.kind !== 'vm' || row.contextValue !== 'runningVm') return item;
    const host = this.hosts.get(row.hostName);
    const metrics = await host
      ?.request(MetricsGetRequest.type, { vm: row.domain }, token)
      .then((result) => result.vms[0])
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    item.tooltip = tooltipWithMetrics(row.tooltip, metrics);
    return item;
  }

  getChildren(row?: Row): Row[] {
    if (!row) {
      // The view shows the hosts: the time to connect them (activation did not).
      this.hosts.connectAll();
      this.roots ??= this.rows.reconcile(labsTree(this.hosts.snapshots(), this.filterText)).roots;
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
    if (row.kind === 'host') return undefined;
    if (row.kind === 'lab') return this.rows.get(`host/${row.hostName}`);
    return this.rows.get(`lab/${row.hostName}/${row.labName}`);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    clearInterval(this.countdownTimer);
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  private scheduleRefresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshNow(false);
    }, refreshDelayMs);
  }

  private refreshNow(everything: boolean): void {
    const { roots, changed, rootsChanged } = this.rows.reconcile(labsTree(this.hosts.snapshots(), this.filterText));
    this.roots = roots;
    if (everything || rootsChanged) this.changeEmitter.fire(undefined);
    else if (changed.length > 0) this.changeEmitter.fire(changed);
  }
}
