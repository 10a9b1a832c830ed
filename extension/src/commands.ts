// Every command of the extension. Each one runs through `run`, so failures are logged and
// shown the same way and a cancelled prompt ends the command silently.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { isValidName } from '@vlm/schemas';
import { sshDestinationProblem } from './host-configuration';
import { readLabHeader } from './lab-document';
import { freeLabName, starterLab } from './starter-lab';
import type { LabRow, Row, VmRow } from './labs-tree-model';
import type { ExtensionScope } from './extension-scope';

type LabVerb = 'deploy' | 'plan' | 'destroy';
type VmVerb = 'start' | 'stop' | 'restart' | 'open the console of' | 'open an SSH terminal to';

const labCommands: Record<LabVerb, string> = { deploy: 'vlm.deploy', plan: 'vlm.plan', destroy: 'vlm.destroy' };

const vmCommands: Record<string, VmVerb> = {
  'vlm.vm.start': 'start',
  'vlm.vm.stop': 'stop',
  'vlm.vm.restart': 'restart',
  'vlm.vm.openConsole': 'open the console of',
  'vlm.vm.openSsh': 'open an SSH terminal to',
};

export function registerCommands(scope: ExtensionScope): void {
  const register = (command: string, action: string, handler: (...args: unknown[]) => Promise<unknown> | unknown) =>
    scope.context.subscriptions.push(
      vscode.commands.registerCommand(command, async (...args: unknown[]) => {
        try {
          await handler(...args);
        } catch (error) {
          await scope.log.reportError(action, error);
        }
      }),
    );

  for (const [verb, command] of Object.entries(labCommands) as [LabVerb, string][]) {
    register(command, `${verb} the lab`, (target) => labAction(scope, verb, target));
  }
  for (const [command, verb] of Object.entries(vmCommands)) {
    register(command, `${verb} the VM`, (row) => vmAction(scope, verb, row as VmRow));
  }
  register('vlm.newLab', 'create a lab file', () => newLab());
  register('vlm.openExampleLab', 'open an example lab', () => openExampleLab(scope));
  register('vlm.refresh', 'refresh hosts', () => scope.hosts.reconnectAll());
  register('vlm.filter', 'filter the labs', () => filter(scope));
  register('vlm.clearFilter', 'clear the filter', () => setFilter(scope, ''));
  register('vlm.addHost', 'add a host', () => addHost(scope));
  register('vlm.connectHost', 'connect to the host', (row) => connectHost(scope, row as Row));
  register('vlm.disconnectHost', 'disconnect from the host', (row) => scope.hosts.get((row as Row).hostName)?.disconnect());
  register('vlm.showLog', 'show the log', () => scope.log.show());
}

const restrictedWords: Record<string, string> = {
  deploy: 'Deploying',
  destroy: 'Destroying',
  start: 'Starting VMs',
  stop: 'Stopping VMs',
  restart: 'Restarting VMs',
};

/** In Restricted Mode, says why the action is off and how to turn it on; true when it may go on. */
async function allowedByTrust(verb: string): Promise<boolean> {
  if (vscode.workspace.isTrusted || verb === 'plan') return true;
  const what = restrictedWords[verb] ?? 'Running commands in VMs';
  const choice = await vscode.window.showWarningMessage(
    `${what} is turned off in Restricted Mode: a lab file decides what runs on your hosts. Trust this folder to turn it on.`,
    'Manage Workspace Trust',
  );
  if (choice === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** Tells the user, with ways out, that `hostName` cannot do `action` yet; true when it can. */
async function hostReady(scope: ExtensionScope, hostName: string, action: string): Promise<boolean> {
  const connection = scope.hosts.get(hostName);
  if (!connection) {
    const choice = await vscode.window.showWarningMessage(
      `Cannot ${action}: there is no host named "${hostName}". Add it, or change the lab's host: field.`,
      'Add Host...',
      'Open Settings',
    );
    if (choice === 'Add Host...') await vscode.commands.executeCommand('vlm.addHost');
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'vlm.hosts');
    return false;
  }
  if (connection.state.status !== 'connected') {
    const reason = connection.state.reason ?? 'It is not connected.';
    scope.log.warn(`Cannot ${action}: host ${hostName} is not connected. ${reason}`);
    const choice = await vscode.window.showWarningMessage(
      `Cannot ${action}: host "${hostName}" is not connected. ${reason}`,
      'Connect Again',
      'Add Host...',
      'Show Log',
    );
    if (choice === 'Connect Again') await connectHost(scope, { hostName } as Row);
    if (choice === 'Add Host...') await vscode.commands.executeCommand('vlm.addHost');
    if (choice === 'Show Log') scope.log.show();
    return false;
  }
  // Connected, but this version only asks the host who it is: say so plainly.
  scope.log.warn(`Cannot ${action}: this version of the extension only reads the host's identity, not its labs.`);
  const choice = await vscode.window.showWarningMessage(
    `Cannot ${action} from VS Code yet: host "${hostName}" is connected, but this version of the extension only reads who the host is.`,
    'Show Log',
  );
  if (choice === 'Show Log') scope.log.show();
  return false;
}

async function labAction(scope: ExtensionScope, verb: LabVerb, target: unknown): Promise<void> {
  if (!(await allowedByTrust(verb))) return;
  if (isRow(target) && target.kind === 'lab') {
    await hostReady(scope, target.hostName, `${verb} lab ${(target as LabRow).labName}`);
    return;
  }
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    await vscode.window.showInformationMessage(`Open a lab file (*.lab.yaml) to ${verb} its lab.`);
    return;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const header = readLabHeader(document.getText());
  if (!header?.name) {
    await vscode.window.showWarningMessage(`Cannot ${verb} ${basename(uri.path)}: it has no top-level name: line, so it is not a lab yet.`);
    return;
  }
  await hostReady(scope, header.host, `${verb} lab ${header.name}`);
}

async function vmAction(scope: ExtensionScope, verb: VmVerb, row: VmRow | undefined): Promise<void> {
  if (!row || row.kind !== 'vm') return;
  if (!(await allowedByTrust(verb.split(' ')[0] ?? verb))) return;
  await hostReady(scope, row.hostName, `${verb} VM ${row.vmName}`);
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && 'kind' in value && 'hostName' in value;
}

async function connectHost(scope: ExtensionScope, row: Row | undefined): Promise<void> {
  const connection = row && scope.hosts.get(row.hostName);
  if (!connection) return;
  await connection.connect();
  if (connection.state.status !== 'connected') {
    const choice = await vscode.window.showWarningMessage(
      `Could not connect to host "${connection.host.name}". ${connection.state.reason ?? ''}`,
      'Show Log',
    );
    if (choice === 'Show Log') scope.log.show();
  }
}

async function newLab(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.length
    ? vscode.workspace.workspaceFolders.length === 1
      ? vscode.workspace.workspaceFolders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder of the new lab file' })
    : undefined;
  if (vscode.workspace.workspaceFolders?.length && !folder) return;
  const taken = new Set<string>();
  if (folder) {
    for (const [file] of await vscode.workspace.fs.readDirectory(folder.uri)) {
      const match = /^(.*)\.lab\.ya?ml$/.exec(file);
      if (match?.[1]) taken.add(match[1]);
    }
  }
  const name = await vscode.window.showInputBox({
    title: 'New Lab File',
    prompt: 'Name of the lab; the file is named after it',
    value: freeLabName(taken),
    validateInput: (value) => {
      if (!isValidName(value)) return 'Use lowercase letters, digits and "-" (not first or last), at most 63 characters.';
      if (taken.has(value)) return `${value}.lab.yaml already exists in this folder.`;
      return undefined;
    },
  });
  if (name === undefined) return;
  if (!folder) {
    const document = await vscode.workspace.openTextDocument({ language: 'vlm-lab', content: starterLab(name) });
    await vscode.window.showTextDocument(document);
    return;
  }
  const uri = vscode.Uri.joinPath(folder.uri, `${name}.lab.yaml`);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(starterLab(name)));
  await vscode.window.showTextDocument(uri);
}

async function openExampleLab(scope: ExtensionScope): Promise<void> {
  const folder = vscode.Uri.joinPath(scope.context.extensionUri, 'dist', 'examples');
  const files = (await vscode.workspace.fs.readDirectory(folder)).map(([file]) => file).filter((file) => file.endsWith('.lab.yaml'));
  const items = await Promise.all(
    files.sort().map(async (file) => {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, file)));
      const summary = /^#\s*(.*)$/m.exec(text)?.[1] ?? '';
      return { label: file.replace(/\.lab\.yaml$/, ''), detail: summary, text };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'Open Example Lab', placeHolder: 'An example opens as a new, unsaved lab file' });
  if (!picked) return;
  const document = await vscode.workspace.openTextDocument({ language: 'vlm-lab', content: picked.text });
  await vscode.window.showTextDocument(document);
}

async function filter(scope: ExtensionScope): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Filter Labs and VMs',
    prompt: 'Show labs and VMs whose name or a tag contains this text',
    value: scope.tree.filter,
  });
  if (value !== undefined) setFilter(scope, value);
}

function setFilter(scope: ExtensionScope, value: string): void {
  scope.tree.setFilter(value);
  scope.treeView.message = scope.tree.filter ? `Showing labs and VMs matching "${scope.tree.filter}"` : undefined;
}

async function addHost(scope: ExtensionScope): Promise<void> {
  const taken = new Set(scope.hosts.snapshots().map((snapshot) => snapshot.host.name));
  const name = await vscode.window.showInputBox({
    title: 'Add Host (1/2)',
    prompt: 'Name of the host, as lab files will refer to it in their host: field',
    placeHolder: 'lab-server',
    validateInput: (value) => {
      if (!isValidName(value)) return 'Use lowercase letters, digits and "-" (not first or last), at most 63 characters.';
      if (taken.has(value)) return `There is already a host named "${value}".`;
      return undefined;
    },
  });
  if (name === undefined) return;
  const destination = await vscode.window.showInputBox({
    title: 'Add Host (2/2)',
    prompt: `SSH destination of ${name}`,
    placeHolder: 'admin@lab-server',
    validateInput: sshDestinationProblem,
  });
  if (destination === undefined) return;
  const settings = vscode.workspace.getConfiguration('vlm');
  const hosts = settings.get<unknown[]>('hosts', []);
  await settings.update('hosts', [...hosts, { name, ssh: destination.trim() }], vscode.ConfigurationTarget.Global);
  scope.log.info(`Added host ${name} (${destination.trim()}) to the vlm.hosts user setting.`);
}
