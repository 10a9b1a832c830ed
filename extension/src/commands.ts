// The commands of the sidebar, lab files and hosts (console commands are in consoles/). Each one
// is registered through `register`, so failures are logged and shown the same way and a
// cancellation ends the command silently.
import * as vscode from 'vscode';
import { isValidName } from '@vlm/schemas';
import { addHost, editHost, forgetPassword, removeHost } from './host-commands';
import { labAction, type LabVerb } from './lab-actions';
import { freeLabName, starterLab } from './starter-lab';
import type { Row } from './labs-tree-model';
import { deleteLabSnapshot, revertLab, snapshotLab } from './lab-snapshot-actions';
import { connectInNewWindow } from './remote/remote-ssh-window';
import { copySshCommand, deleteVms, powerAction, revertVm, snapshotVm, type VmPowerVerb } from './vm-actions';
import type { ExtensionScope } from './extension-scope';
import { viewMessage } from './first-run';
import { needsFolderTrust } from './command-trust';
import { withViewProgress } from './view-progress';

const labCommands: Record<string, LabVerb> = {
  'vlm.deploy': 'deploy',
  'vlm.plan': 'plan',
  'vlm.destroy': 'destroy',
  'vlm.export': 'export',
  'vlm.exportTerraform': 'export as Terraform',
};

const powerCommands: Record<string, VmPowerVerb> = {
  'vlm.vm.start': 'start',
  'vlm.vm.stop': 'stop',
  'vlm.vm.forceStop': 'force stop',
  'vlm.vm.restart': 'reboot',
  'vlm.vm.resume': 'resume',
};

export function registerCommands(scope: ExtensionScope): void {
  const register = (command: string, action: string, handler: (...args: unknown[]) => Promise<unknown> | unknown) =>
    scope.context.subscriptions.push(
      vscode.commands.registerCommand(command, async (...args: unknown[]) => {
        try {
          if (needsFolderTrust(command, args[0]) && !vscode.workspace.isTrusted) return await offerTrust(action);
          await handler(...args);
        } catch (error) {
          await scope.log.reportError(action, error);
        }
      }),
    );

  for (const [command, verb] of Object.entries(labCommands)) {
    register(command, `${verb} the lab`, (target) => labAction(scope, verb, target));
  }
  for (const [command, verb] of Object.entries(powerCommands)) {
    register(command, `${verb} the VM`, (row, selection) => powerAction(scope, verb, row, selection));
  }
  register('vlm.vm.snapshot', 'take a snapshot', (row) => snapshotVm(scope, row));
  register('vlm.vm.revertSnapshot', 'revert to a snapshot', (row) => revertVm(scope, row));
  register('vlm.lab.snapshot', 'snapshot the lab', (row) => snapshotLab(scope, row));
  register('vlm.lab.revert', 'revert the lab', (row) => revertLab(scope, row));
  register('vlm.labSnapshot.revert', 'revert the lab', (row) => revertLab(scope, row));
  register('vlm.labSnapshot.delete', 'delete the lab snapshot', (row) => deleteLabSnapshot(scope, row));
  register('vlm.vm.delete', 'delete the VM', (row, selection) => deleteVms(scope, row, selection));
  register('vlm.vm.copySshCommand', 'copy the SSH command', (row) => copySshCommand(scope, row));
  register('vlm.newLab', 'create a lab file', () => newLab());
  register('vlm.openExampleLab', 'open an example lab', () => openExampleLab(scope));
  register('vlm.refresh', 'refresh hosts', async () => {
    await scope.hosts.reconnectAll();
    scope.tree.refreshAll();
  });
  register('vlm.filter', 'filter the labs', () => filter(scope));
  register('vlm.clearFilter', 'clear the filter', () => setFilter(scope, ''));
  register('vlm.addHost', 'add a host', () => addHost(scope));
  register('vlm.editHost', 'edit the host', (row) => editHost(scope, row));
  register('vlm.removeHost', 'remove the host', (row) => removeHost(scope, row));
  register('vlm.forgetPassword', 'forget the password', (row) => forgetPassword(scope, row));
  register('vlm.vm.connectInNewWindow', 'connect in a new window', (row) => connectInNewWindow(scope, row));
  register('vlm.connectHost', 'connect to the host', (row) => connectHost(scope, row as Row));
  register('vlm.disconnectHost', 'disconnect from the host', (row) => scope.hosts.get((row as Row).hostName)?.disconnect());
  register('vlm.showLog', 'show the log', () => scope.log.show());
}

/** Says why the command is off in Restricted Mode and offers to trust the folder. */
async function offerTrust(action: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(
    `Cannot ${action} in Restricted Mode: a lab file decides what runs on your hosts. Trust this folder to turn it on.`,
    'Manage Workspace Trust',
  );
  if (choice === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
}

async function connectHost(scope: ExtensionScope, row: Row | undefined): Promise<void> {
  const connection = row && scope.hosts.get(row.hostName);
  if (!connection) return;
  await withViewProgress(`Connecting to ${connection.host.name}`, () => connection.connect({ interactive: true }));
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
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Open Example Lab',
    placeHolder: 'An example opens as a new, unsaved lab file',
  });
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
  scope.treeView.message = viewMessage(scope.tree.problem, scope.tree.filter);
}
