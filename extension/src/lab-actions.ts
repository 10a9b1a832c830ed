// Deploy, plan, destroy and export (lab file or Terraform) of a lab, from its file (code lens, editor title) or from the
// lab's row in the tree. The host plans; the user sees the plan and agrees before anything changes.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Lab } from '@vlm/schemas';
import {
  ImagesListRequest,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsExportRequest,
  LabsExportTerraformRequest,
  LabsGetRequest,
  LabsPlanRequest,
  type PlanResult,
} from '@vlm/schemas/src/host-protocol';
import type { ExtensionScope } from './extension-scope';
import type { HostConnection } from './hosts';
import { readLabHeader } from './lab-document';
import type { LabRow } from './labs-tree-model';
import type { WorkspaceLabRow } from './workspace-lab-rows';
import { markWalkthroughEvent } from './first-run-view';
import { clipLines, destroyLines, planDocument, planLines, planSummary } from '@vlm/host-client/src/plan-text';

export type LabVerb = 'deploy' | 'plan' | 'destroy' | 'export' | 'export as Terraform';

/** Shows plans as read-only documents: vlm-plan:/<host>/<lab>.diff */
export class PlanDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'vlm-plan';
  private readonly texts = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  show(plan: PlanResult, hostName: string): Thenable<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme: PlanDocuments.scheme, path: `/${hostName}/${plan.lab}.plan.diff` });
    this.texts.set(uri.toString(), planDocument(plan, hostName));
    this.changeEmitter.fire(uri);
    return vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This plan is no longer available: plan the lab again.';
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

interface LabTarget {
  connection: HostConnection;
  name: string;
  /** The lab as written; absent for a lab row (deploy then re-reads the host's copy). */
  definition?: Lab;
}

/** Finds which lab and host a command is about; undefined when the user was told why not. */
async function resolveTarget(scope: ExtensionScope, verb: LabVerb, target: unknown): Promise<LabTarget | undefined> {
  if (isLabRow(target)) {
    const connection = await connectedHost(scope, target.hostName, `${verb} lab ${target.labName}`);
    return connection && { connection, name: target.labName };
  }
  // A workspace lab's row deploys its file.
  const uri = isWorkspaceLabRow(target)
    ? vscode.Uri.parse(target.fileUri, true)
    : target instanceof vscode.Uri
      ? target
      : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    await vscode.window.showInformationMessage(`Open a lab file (*.lab.yaml) to ${verb} its lab.`);
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const header = readLabHeader(text);
  if (!header?.name) {
    await vscode.window.showWarningMessage(`Cannot ${verb} ${basename(uri.path)}: it has no top-level name: line, so it is not a lab yet.`);
    return undefined;
  }
  const connection = await connectedHost(scope, header.host, `${verb} lab ${header.name}`);
  if (!connection) return undefined;
  let definition: Lab;
  try {
    definition = parse(text, { merge: true }) as Lab;
  } catch (error) {
    throw new Error(`${basename(uri.path)} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { connection, name: header.name, definition };
}

export async function labAction(scope: ExtensionScope, verb: LabVerb, target: unknown): Promise<void> {
  const lab = await resolveTarget(scope, verb, target);
  if (!lab) return;
  switch (verb) {
    case 'plan':
      return planOnly(scope, lab);
    case 'deploy':
      return deploy(scope, lab);
    case 'destroy':
      return destroy(scope, lab);
    case 'export':
      return exportLab(lab);
    case 'export as Terraform':
      return exportTerraform(scope, lab);
  }
}

async function definitionOf(lab: LabTarget): Promise<Lab> {
  return lab.definition ?? (await lab.connection.request(LabsExportRequest.type, { name: lab.name })).lab;
}

async function planOnly(scope: ExtensionScope, lab: LabTarget): Promise<void> {
  const plan = await lab.connection.request(LabsPlanRequest.type, { lab: await definitionOf(lab) });
  await scope.plans.show(plan, lab.connection.host.name);
}

async function deploy(scope: ExtensionScope, lab: LabTarget): Promise<void> {
  const definition = await definitionOf(lab);
  const hostName = lab.connection.host.name;
  const plan = await lab.connection.request(LabsPlanRequest.type, { lab: definition });
  if (plan.steps.length === 0) {
    void vscode.window.showInformationMessage(`Lab ${lab.name} on ${hostName} is up to date: nothing to deploy.`);
    return;
  }
  await scope.plans.show(plan, hostName);
  const answer = await vscode.window.showInformationMessage(
    `Deploy lab ${lab.name} to host ${hostName}? ${planSummary(plan)}.`,
    { modal: true, detail: clipLines(planLines(plan)) },
    'Deploy',
  );
  if (answer !== 'Deploy') return;

  const channel = lab.connection.deployLog(lab.name);
  channel.appendLine(`--- Deploying ${lab.name} on ${hostName}: ${planSummary(plan)}`);
  channel.show(true);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Deploying ${lab.name} on ${hostName}`, cancellable: true },
    async (progress, token) => {
      const listener = lab.connection.onEvent((event) => {
        if (event.type === 'deploy-log' && event.lab === lab.name) progress.report({ message: event.line.text });
      });
      try {
        await pullMissingImages(lab.connection, definition, channel, progress, token);
        const applied = await lab.connection.request(LabsApplyRequest.type, { lab: definition }, token);
        channel.appendLine(`--- Done: ${planSummary(applied)}`);
        scope.log.info(`Deployed lab ${lab.name} on ${hostName}.`);
      } catch (error) {
        channel.appendLine(
          `--- ${token.isCancellationRequested ? 'Cancelled' : `Failed: ${error instanceof Error ? error.message : String(error)}`}`,
        );
        throw error;
      } finally {
        listener.dispose();
      }
    },
  );
  markWalkthroughEvent('labDeployed');
  void vscode.window.showInformationMessage(`Lab ${lab.name} is deployed on ${hostName}.`);
}

/** Images the lab uses that the host does not have yet are pulled (or built) first. */
async function pullMissingImages(
  connection: HostConnection,
  definition: Lab,
  channel: vscode.OutputChannel,
  progress: vscode.Progress<{ message?: string }>,
  token: vscode.CancellationToken,
): Promise<void> {
  const wanted = new Set((definition.vms ?? []).map((vm) => vm.os_image).filter((name): name is string => typeof name === 'string'));
  const { images } = await connection.request(ImagesListRequest.type, {}, token);
  const missing = images.filter((image) => wanted.has(image.name) && !image.present);
  for (const image of missing) {
    channel.appendLine(`--- Getting image ${image.name} (${image.title})`);
    progress.report({ message: `getting image ${image.name}` });
    await connection.request(ImagesPullRequest.type, { name: image.name }, token);
  }
}

async function destroy(scope: ExtensionScope, lab: LabTarget): Promise<void> {
  const hostName = lab.connection.host.name;
  const details = await lab.connection.request(LabsGetRequest.type, { name: lab.name });
  const lines = destroyLines(details.resources);
  const answer = await vscode.window.showWarningMessage(
    `Destroy lab ${lab.name} on host ${hostName}? This deletes ${details.resources.domains.length} VMs and their disks for good.`,
    { modal: true, detail: clipLines(lines.length > 0 ? lines : ["Nothing but the lab's record."]) },
    'Destroy',
  );
  if (answer !== 'Destroy') return;
  const channel = lab.connection.deployLog(lab.name);
  channel.appendLine(`--- Destroying ${lab.name} on ${hostName}`);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Destroying ${lab.name} on ${hostName}`, cancellable: true },
    (_progress, token) => lab.connection.request(LabsDestroyRequest.type, { name: lab.name }, token),
  );
  channel.appendLine('--- Destroyed');
  scope.log.info(`Destroyed lab ${lab.name} on ${hostName}.`);
  void vscode.window.showInformationMessage(`Lab ${lab.name} is destroyed on ${hostName}.`);
}

async function exportLab(lab: LabTarget): Promise<void> {
  const exported = await definitionOf(lab);
  const document = await vscode.workspace.openTextDocument({ language: 'vlm-lab', content: stringify(exported) });
  await vscode.window.showTextDocument(document);
}

/** main.tf.json of the lab as its host recorded it, saved where the user picks; what it cannot say is shown. */
async function exportTerraform(scope: ExtensionScope, lab: LabTarget): Promise<void> {
  const exported = await lab.connection.request(LabsExportTerraformRequest.type, { name: lab.name });
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: `Export lab ${lab.name} as Terraform`,
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, exported.fileName) } : {}),
    filters: { 'Terraform JSON': ['json'] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(exported.text));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  scope.log.info(`Exported lab ${lab.name} as Terraform to ${target.fsPath}.`);
  if (exported.unexpressed.length === 0) return;
  for (const line of exported.unexpressed) scope.log.info(`  not expressible with the provider: ${line}`);
  void vscode.window.showWarningMessage(
    `${exported.unexpressed.length} parts of lab ${lab.name} cannot be expressed with the libvirt provider: they are listed in the file's "//" comment and in the log.`,
  );
}

function isWorkspaceLabRow(value: unknown): value is WorkspaceLabRow {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'workspaceLab';
}

function isLabRow(value: unknown): value is LabRow {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'lab';
}

/** The connected host named `hostName`, or undefined after telling the user why not, with ways out. */
export async function connectedHost(scope: ExtensionScope, hostName: string, action: string): Promise<HostConnection | undefined> {
  const connection = scope.hosts.get(hostName);
  if (!connection) {
    const choice = await vscode.window.showWarningMessage(
      `Cannot ${action}: there is no host named "${hostName}". Add it, or change the lab's host: field.`,
      'Add Host...',
      'Open Settings',
    );
    if (choice === 'Add Host...') await vscode.commands.executeCommand('vlm.addHost');
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'vlm.hosts');
    return undefined;
  }
  // Never tried (the view has not shown it yet), or dropped: the user's action connects it, and may ask.
  if (connection.state.status === 'disconnected') await connection.connect({ interactive: true });
  if (connection.state.status !== 'connected') {
    const reason =
      connection.state.status === 'connecting'
        ? 'It is still connecting: try again in a moment.'
        : (connection.state.reason ?? 'It is not connected.');
    scope.log.warn(`Cannot ${action}: host ${hostName} is not connected. ${reason}`);
    const choice = await vscode.window.showWarningMessage(
      `Cannot ${action}: host "${hostName}" is not connected. ${reason}`,
      'Connect Again',
      'Add Host...',
      'Show Log',
    );
    if (choice === 'Connect Again') await connection.connect({ interactive: true });
    if (choice === 'Add Host...') await vscode.commands.executeCommand('vlm.addHost');
    if (choice === 'Show Log') scope.log.show();
    return undefined;
  }
  return connection;
}
