// The one mapping from a row's look to VS Code's TreeItem, for both trees of the sidebar.
import * as vscode from 'vscode';
import type { RowLook } from './tree-row-look';

export function treeItemOf(row: RowLook, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, collapsible);
  item.id = row.id;
  item.description = row.description;
  item.tooltip = row.tooltip;
  item.contextValue = row.contextValue;
  item.iconPath = new vscode.ThemeIcon(row.icon.codicon, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
  return item;
}
