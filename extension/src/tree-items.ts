// The one mapping from a row's look to VS Code's TreeItem, for both trees of the sidebar.
import * as vscode from 'vscode';
import type { RowLook } from './tree-row-look';
import { tooltipCommands } from './markdown-text';

/** Markdown that may run only our own tooltip commands; host words in it are escaped already. */
export function tooltipMarkdown(text: string): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(text);
  markdown.isTrusted = { enabledCommands: [...tooltipCommands] };
  return markdown;
}

export function treeItemOf(row: RowLook, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, collapsible);
  item.id = row.id;
  item.description = row.description;
  item.tooltip = row.tooltip;
  item.contextValue = row.contextValue;
  item.iconPath = new vscode.ThemeIcon(row.icon.codicon, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
  return item;
}
