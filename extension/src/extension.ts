// Virtual Lab Manager for VS Code. `activate` is the table of contents: build the shared
// scope, then register the tree, the commands, the code lens and the language client.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import type { ExtensionScope } from './extension-scope';
import { Hosts } from './hosts';
import { LabCodeLensProvider } from './lab-code-lens';
import { createLanguageClient, labLanguageId } from './language-client';
import { LabsTreeProvider } from './labs-tree';
import { Log } from './log';

let languageClient: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const scope = createScope(context);
  registerCommands(scope);
  registerCodeLens(scope);
  watchSettings(scope);
  scope.hosts.reload();
  // Not awaited: the view and commands work while the server starts.
  void startLanguageClient(scope);
}

export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  languageClient = undefined;
}

function createScope(context: vscode.ExtensionContext): ExtensionScope {
  const log = new Log();
  const hosts = new Hosts(log);
  const tree = new LabsTreeProvider(hosts);
  const treeView = vscode.window.createTreeView('vlm.labs', { treeDataProvider: tree, showCollapseAll: true });
  // Disposed in reverse: the view before the hosts it shows, the log last.
  context.subscriptions.push(log, hosts, tree, treeView);
  log.info(`Virtual Lab Manager ${context.extension.packageJSON.version as string} activated.`);
  return { context, log, hosts, tree, treeView };
}

function registerCodeLens(scope: ExtensionScope): void {
  const provider = new LabCodeLensProvider();
  scope.context.subscriptions.push(
    provider,
    vscode.languages.registerCodeLensProvider({ language: labLanguageId }, provider),
    vscode.workspace.onDidGrantWorkspaceTrust(() => provider.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('vlm.codeLens')) provider.refresh();
    }),
  );
}

function watchSettings(scope: ExtensionScope): void {
  scope.context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('vlm.hosts') || event.affectsConfiguration('vlm.localHost')) scope.hosts.reload();
    }),
  );
}

async function startLanguageClient(scope: ExtensionScope): Promise<void> {
  languageClient = createLanguageClient(scope.context, scope.log);
  try {
    await languageClient.start();
  } catch (error) {
    await scope.log.reportError('start the lab language server (checks and completion in lab files)', error);
  }
}
