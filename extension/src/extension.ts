// Virtual Lab Manager for VS Code. `activate` is the table of contents: build the shared
// scope, then register the tree, the commands, the code lens, the dashboard panels and the
// language client.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import { registerConsoleCommands } from './consoles/console-commands';
import { registerGraphicalConsoles } from './consoles/graphical-console-panel';
import type { ExtensionScope } from './extension-scope';
import { Hosts } from './hosts';
import { LabCodeLensProvider } from './lab-code-lens';
import { labLanguageId } from './lab-language';
import { LabsTreeProvider } from './labs-tree';
import type { Row } from './labs-tree-model';
import { Log } from './log';
import { PlanDocuments } from './lab-actions';
import { CatalogRequest, HostFactsRequest, LabTopologyRequest } from '@vlm/language-server/src/protocol';
import { ImagesListRequest } from '@vlm/schemas/src/host-protocol';
import { createCatalogSync } from './catalog-sync';
import { registerClouds } from './clouds/clouds-view';
import { registerExpensesPanel } from './dashboard/expenses-panel';
import { registerToolsPanel } from './dashboard/tools-panel';
import { registerDashboardTransfer } from './dashboard/dashboard-transfer-commands';
import { registerTasksPanel } from './dashboard/tasks-panel';
import { registerGithubSync } from './dashboard/github-sync-commands';
import { registerCostLens } from './costs/cost-lens';
import { registerVmDetailsPanel } from './vm-details/vm-details-panel';
import { registerTopologyPanel } from './topology/topology-panel';
import { registerLocalLibvirtContext } from './local-libvirt-context';
import { registerFirstRun } from './first-run-view';
import { WorkspaceLabFiles } from './workspace-lab-files';
import { registerStatusBar } from './status-bar';
import { registerSchemaFileSystem } from './schema-file-system';

let languageClient: LanguageClient | undefined;
/** Starts the language server once; settles when it has started or failed to. */
let languageClientStarted: () => Promise<void> = () => Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  const scope = createScope(context);
  registerCommands(scope);
  registerConsoleCommands(scope, scope.hosts);
  registerGraphicalConsoles(scope, scope.hosts);
  // VS Code lists the newer provider's lenses first: the cost lens goes after Deploy, Plan and Destroy.
  registerCostLens(scope);
  registerCodeLens(scope);
  registerClouds(scope.context, scope.log);
  registerExpensesPanel(scope);
  registerToolsPanel(scope);
  registerDashboardTransfer(scope);
  registerTasksPanel(scope);
  registerGithubSync(scope);
  registerVmDetailsPanel(scope);
  registerTopologyPanel(scope, readLabTopology);
  registerSchemaFileSystem(context);
  registerStatusBar(scope.context, scope.hosts);
  watchSettings(scope);
  registerFirstRun(scope);
  // Reads the hosts from the settings; they connect when the view shows them or on a command.
  scope.hosts.reload();
  registerLocalLibvirtContext(scope);
  startLanguageClientWithFirstLabFile(scope);
}

export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  languageClient = undefined;
}

function createScope(context: vscode.ExtensionContext): ExtensionScope {
  const log = new Log();
  const hosts = new Hosts(log, context);
  const labFiles = new WorkspaceLabFiles();
  const tree = new LabsTreeProvider(hosts, labFiles);
  const treeView = vscode.window.createTreeView('vlm.labs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const plans = new PlanDocuments();
  // Disposed in reverse: the view before the hosts it shows, the log last.
  context.subscriptions.push(
    log,
    hosts,
    labFiles,
    tree,
    treeView,
    plans,
    vscode.workspace.registerTextDocumentContentProvider(PlanDocuments.scheme, plans),
  );
  log.info(`Virtual Lab Manager ${context.extension.packageJSON.version as string} activated.`);
  connectWhenShown(context, hosts, treeView);
  return { context, log, hosts, tree, treeView, plans };
}

/**
 * Hosts connect when the view first shows them, asking nothing; expanding a host that is not
 * connected is a user's request, which may ask for its host key or password.
 */
function connectWhenShown(context: vscode.ExtensionContext, hosts: Hosts, treeView: vscode.TreeView<Row>): void {
  if (treeView.visible === true) hosts.connectAll();
  context.subscriptions.push(
    treeView.onDidChangeVisibility((event) => {
      if (event.visible) hosts.connectAll();
    }),
    treeView.onDidExpandElement(({ element }) => {
      const connection = element.kind === 'host' ? hosts.get(element.hostName) : undefined;
      if (connection?.state.status === 'disconnected') void connection.connect({ interactive: true });
    }),
  );
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

/** Tells the language server what the local host has, so lab files are checked against it. */
function sendHostFactsOnConnect(scope: ExtensionScope): void {
  let sent = '';
  const send = () => {
    const facts = scope.hosts.localFacts();
    const key = JSON.stringify(facts);
    if (!languageClient?.isRunning() || key === sent) return;
    sent = key;
    languageClient
      .sendRequest(HostFactsRequest.type, facts)
      .catch((error: unknown) => scope.log.warn(`Could not send host facts to the language server: ${String(error)}`));
  };
  scope.context.subscriptions.push(scope.hosts.onDidChange(send));
  send();
}

/** Tells the language server which images the connected hosts have, so os_image is checked against them. */
function sendCatalogOnConnect(scope: ExtensionScope): void {
  const refresh = createCatalogSync({
    connected: () =>
      scope.hosts
        .all()
        .filter((connection) => connection.state.status === 'connected' && connection.info)
        .map((connection) => ({
          key: `${connection.host.name} ${connection.info?.service.pid} ${connection.info?.service.startedAt}`,
          imageNames: async () => (await connection.request(ImagesListRequest.type, {})).images.map((image) => image.name),
        })),
    send: async (catalog) => {
      if (!languageClient?.isRunning()) throw new Error('the language server is not running');
      await languageClient.sendRequest(CatalogRequest.type, catalog);
    },
    warn: (message) => scope.log.warn(message),
  });
  scope.context.subscriptions.push(scope.hosts.onDidChange(() => void refresh()));
  void refresh();
}

/** The lab of an open lab document, as the language server reads it for the topology panel. */
async function readLabTopology(uri: vscode.Uri) {
  // A panel restored after a reload asks before the server is up.
  await languageClientStarted();
  if (!languageClient?.isRunning()) throw new Error('the lab language server is not running (see the Virtual Labs log)');
  return languageClient.sendRequest(LabTopologyRequest.type, { uri: languageClient.code2ProtocolConverter.asUri(uri) });
}

/**
 * The language server is a process: it starts with the first lab file opened (or the topology
 * panel's first question), not when the view or a command activates the extension. Its client
 * module loads then too.
 */
function startLanguageClientWithFirstLabFile(scope: ExtensionScope): void {
  let started: Promise<void> | undefined;
  languageClientStarted = () => {
    started ??= startLanguageClient(scope).then(() => {
      sendHostFactsOnConnect(scope);
      sendCatalogOnConnect(scope);
    });
    return started;
  };
  const isLabFile = (document: vscode.TextDocument) => document.languageId === labLanguageId;
  if ([...vscode.workspace.textDocuments].some(isLabFile)) {
    void languageClientStarted();
    return;
  }
  const opened = vscode.workspace.onDidOpenTextDocument((document) => {
    if (!isLabFile(document)) return;
    opened.dispose();
    void languageClientStarted();
  });
  scope.context.subscriptions.push(opened);
}

async function startLanguageClient(scope: ExtensionScope): Promise<void> {
  const { createLanguageClient } = await import('./language-client');
  languageClient = createLanguageClient(scope.context, scope.log);
  try {
    await languageClient.start();
  } catch (error) {
    await scope.log.reportError('start the lab language server (checks and completion in lab files)', error);
  }
}
