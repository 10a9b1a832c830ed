// The "Hosts and Labs" view: maps the plain rows of labs-tree-model.ts to TreeItems.
import * as vscode from 'vscode';
import { labsTree, type Row } from './labs-tree-model';
import type { Hosts } from './hosts';

export class LabsTreeProvider implements vscode.TreeDataProvider<Row>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Row | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private filterText = '';
  private readonly subscription: vscode.Disposable;

  constructor(private readonly hosts: Hosts) {
    this.subscription = hosts.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(filter: string): void {
    this.filterText = filter.trim();
    void vscode.commands.executeCommand('setContext', 'vlm.filtered', this.filterText !== '');
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(row: Row): vscode.TreeItem {
    const collapsible =
      row.kind === 'vm' || row.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(row.label, collapsible);
    item.id = row.id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.contextValue = row.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.icon.codicon, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
    return item;
  }

  getChildren(row?: Row): Row[] {
    if (!row) return labsTree(this.hosts.snapshots(), this.filterText);
    return row.kind === 'vm' ? [] : row.children;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
