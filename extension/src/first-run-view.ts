// A first run, as VS Code shows it: the Hosts view's message and welcome content while no host is
// connected, the context keys the Getting Started walkthrough completes its steps on, and a click
// on a lab row opening its file (the workspace's, else the host's record, read-only).
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import { isValidName } from '@vlm/schemas';
import { LabsExportRequest } from '@vlm/schemas/src/host-protocol';
import type { ExtensionScope } from './extension-scope';
import { viewMessage } from './first-run';
import type { Row } from './labs-tree-model';

export const walkthroughId = 'vlm.gettingStarted';
const recordScheme = 'vlm-lab-record';

/** The events the walkthrough's steps complete on, each a context key set once it happened. */
export type WalkthroughEvent = 'labFileOpened' | 'labDeployed' | 'consoleOpened';

/** Tells the walkthrough that `event` happened (its step completes on `onContext:vlm.<event>`). */
export function markWalkthroughEvent(event: WalkthroughEvent): void {
  void vscode.commands.executeCommand('setContext', `vlm.${event}`, true);
}

export function registerFirstRun(scope: ExtensionScope): void {
  const update = () => updateViewState(scope);
  scope.context.subscriptions.push(
    scope.hosts.onDidChange(update),
    vscode.workspace.onDidOpenTextDocument((document) => {
      if (document.languageId === 'vlm-lab') markWalkthroughEvent('labFileOpened');
    }),
    vscode.commands.registerCommand('vlm.showGettingStarted', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', `${scope.context.extension.id}#${walkthroughId}`, false),
    ),
    vscode.commands.registerCommand('vlm.showHostProblem', () => showHostProblem(scope)),
    vscode.commands.registerCommand('vlm.lab.openFile', (row: unknown) =>
      openLabFile(row).catch((error: unknown) => scope.log.reportError('open the lab file', error)),
    ),
    vscode.workspace.registerTextDocumentContentProvider(recordScheme, { provideTextDocumentContent: (uri) => recordedLab(scope, uri) }),
  );
  if (vscode.workspace.textDocuments.some((document) => document.languageId === 'vlm-lab')) markWalkthroughEvent('labFileOpened');
  update();
}

/** The view's message and the context keys that pick the welcome text and complete walkthrough steps. */
export function updateViewState(scope: ExtensionScope): void {
  const problem = scope.tree.problem;
  scope.treeView.message = viewMessage(problem, scope.tree.filter);
  // The welcome content says what kind of problem it is; the host's own words go beside the title.
  scope.treeView.description = problem && problem.kind !== 'connecting' ? problem.summary : undefined;
  const snapshots = scope.hosts.snapshots();
  void vscode.commands.executeCommand('setContext', 'vlm.hostProblem', problem?.kind ?? '');
  void vscode.commands.executeCommand(
    'setContext',
    'vlm.hostConnected',
    snapshots.some((snapshot) => snapshot.state.status === 'connected'),
  );
  void vscode.commands.executeCommand(
    'setContext',
    'vlm.hostAdded',
    snapshots.some((snapshot) => !snapshot.host.isLocal),
  );
}

/** The whole reason, where the view's title has room only for its telling part. */
async function showHostProblem(scope: ExtensionScope): Promise<void> {
  const problem = scope.tree.problem;
  if (!problem) {
    await vscode.window.showInformationMessage('A host is connected.');
    return;
  }
  const choice = await vscode.window.showWarningMessage('No host is connected.', { modal: true, detail: problem.message }, 'Show Log');
  if (choice === 'Show Log') scope.log.show();
}

function isLabLike(value: unknown): value is Row & { kind: 'lab' | 'workspaceLab' } {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  return typeof value === 'object' && value !== null && (kind === 'lab' || kind === 'workspaceLab');
}

async function openLabFile(row: unknown): Promise<void> {
  if (!isLabLike(row)) return;
  if (row.fileUri) {
    await vscode.window.showTextDocument(vscode.Uri.parse(row.fileUri, true), { preview: true });
    return;
  }
  // Names come from the host: only valid ones become a path.
  if (!isValidName(row.hostName) || !isValidName(row.labName)) {
    throw new Error(`the lab's name or its host's is not a valid name, so it cannot be shown as a file.`);
  }
  const uri = vscode.Uri.from({ scheme: recordScheme, path: `/${row.hostName}/${row.labName}.lab.yaml` });
  await vscode.window.showTextDocument(uri, { preview: true });
}

/** A deployed lab as its host recorded it: read-only, since its file is not in this workspace. */
async function recordedLab(scope: ExtensionScope, uri: vscode.Uri): Promise<string> {
  const [, hostName = '', file = ''] = uri.path.split('/');
  const labName = file.replace(/\.lab\.yaml$/, '');
  const connection = scope.hosts.get(hostName);
  if (!connection || !isValidName(labName)) return `# Lab ${labName} on host ${hostName}: that host is not among your hosts.\n`;
  try {
    const { lab } = await connection.request(LabsExportRequest.type, { name: labName });
    return `# Lab ${labName} as host ${hostName} recorded it when it was deployed. Read-only: its file is not in this workspace.\n${stringify(lab)}`;
  } catch (error) {
    return `# Lab ${labName} on host ${hostName} could not be read: ${error instanceof Error ? error.message : String(error)}\n`;
  }
}
