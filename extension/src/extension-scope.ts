// What the parts of the extension share; built once in `activate`.
import type * as vscode from 'vscode';
import type { Hosts } from './hosts';
import type { LabsTreeProvider } from './labs-tree';
import type { Log } from './log';
import type { PlanDocuments } from './lab-actions';
import type { Row } from './labs-tree-model';

export interface ExtensionScope {
  context: vscode.ExtensionContext;
  log: Log;
  hosts: Hosts;
  tree: LabsTreeProvider;
  treeView: vscode.TreeView<Row>;
  plans: PlanDocuments;
}
