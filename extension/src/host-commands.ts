// Add, Edit and Remove Host, and Forget Password: each writes `vlm.hosts` in the user settings
// (hosts are the user's, not the workspace's) and keeps SecretStorage in step with it.
import * as vscode from 'vscode';
import { isValidName } from '@vlm/schemas';
import { hostsWithChanges, hostsWithout, localHostName, remoteSocketProblem, sshDestinationProblem } from './host-configuration';
import type { ExtensionScope } from './extension-scope';
import type { Row } from './labs-tree-model';
import { hostSecretKeys, secretKeysToDelete } from './remote/host-secrets';
import { defaultRemoteSocket } from './remote/remote-host-client';
import { sshRouteOf } from './remote/remote-host-prompts';

interface SshHostEntry {
  name: string;
  ssh: string;
  remoteSocket?: string;
}

function hostsSetting(): unknown[] {
  const hosts = vscode.workspace.getConfiguration('vlm').inspect<unknown[]>('hosts')?.globalValue;
  return Array.isArray(hosts) ? hosts : [];
}

async function writeHosts(hosts: unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration('vlm').update('hosts', hosts, vscode.ConfigurationTarget.Global);
}

function sshEntries(): SshHostEntry[] {
  return hostsSetting().filter(
    (entry): entry is SshHostEntry =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as SshHostEntry).name === 'string' &&
      typeof (entry as SshHostEntry).ssh === 'string',
  );
}

function askDestination(title: string, name: string, value?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: `SSH destination of ${name}: user@host[:port], or a Host alias of your ~/.ssh/config`,
    placeHolder: 'admin@lab-server',
    value,
    ignoreFocusOut: true,
    validateInput: sshDestinationProblem,
  });
}

function askSocket(title: string, value?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: `Where the host service listens on that machine. Leave empty for ${defaultRemoteSocket}.`,
    placeHolder: defaultRemoteSocket,
    value,
    ignoreFocusOut: true,
    validateInput: (typed) => (typed.trim() === '' ? undefined : remoteSocketProblem(typed.trim())),
  });
}

export async function addHost(scope: ExtensionScope): Promise<void> {
  const taken = new Set(scope.hosts.snapshots().map((snapshot) => snapshot.host.name));
  const name = await vscode.window.showInputBox({
    title: 'Add Host (1/3)',
    prompt: 'Name of the host, as lab files will refer to it in their host: field',
    placeHolder: 'lab-server',
    ignoreFocusOut: true,
    validateInput: (value) => {
      if (!isValidName(value)) return 'Use lowercase letters, digits and "-" (not first or last), at most 63 characters.';
      if (taken.has(value)) return `There is already a host named "${value}".`;
      return undefined;
    },
  });
  if (name === undefined) return;
  const destination = await askDestination('Add Host (2/3)', name);
  if (destination === undefined) return;
  const socket = await askSocket('Add Host (3/3)');
  if (socket === undefined) return;
  const entry: SshHostEntry = { name, ssh: destination.trim(), ...(socket.trim() ? { remoteSocket: socket.trim() } : {}) };
  await writeHosts([...hostsSetting(), entry]);
  scope.log.info(`Added host ${name} (${entry.ssh}) to the vlm.hosts user setting.`);
}

/** The SSH host a command is about: the row it was run on, else one the user picks. */
async function pickSshHost(row: unknown, verb: string): Promise<SshHostEntry | undefined> {
  const entries = sshEntries();
  const rowName = (row as Row | undefined)?.hostName;
  if (rowName !== undefined) {
    const entry = entries.find((candidate) => candidate.name === rowName);
    if (entry) return entry;
    void vscode.window.showInformationMessage(
      rowName === localHostName
        ? `The host "${localHostName}" is this machine: turn it off with the vlm.localHost.enabled setting.`
        : `Host "${rowName}" is not an SSH host of your user settings (vlm.hosts), so it cannot be changed here.`,
    );
    return undefined;
  }
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('There are no SSH hosts in your user settings. Add one with "Add Host".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    entries.map((entry) => ({ label: entry.name, description: entry.ssh, entry })),
    { title: `${verb} Host`, placeHolder: 'Which host?' },
  );
  return picked?.entry;
}

export async function editHost(scope: ExtensionScope, row: unknown): Promise<void> {
  const entry = await pickSshHost(row, 'Edit');
  if (!entry) return;
  const destination = await askDestination(`Edit Host ${entry.name} (1/2)`, entry.name, entry.ssh);
  if (destination === undefined) return;
  const socket = await askSocket(`Edit Host ${entry.name} (2/2)`, entry.remoteSocket);
  if (socket === undefined) return;
  await writeHosts(hostsWithChanges(hostsSetting(), entry.name, { ssh: destination.trim(), remoteSocket: socket.trim() || undefined }));
  scope.log.info(`Changed host ${entry.name} in the vlm.hosts user setting: ${destination.trim()}.`);
}

export async function removeHost(scope: ExtensionScope, row: unknown): Promise<void> {
  const entry = await pickSshHost(row, 'Remove');
  if (!entry) return;
  const answer = await vscode.window.showWarningMessage(
    `Remove host "${entry.name}" (${entry.ssh})?`,
    {
      modal: true,
      detail: 'Its labs and VMs keep running on that machine. Its stored password and passphrases are deleted from VS Code.',
    },
    'Remove Host',
  );
  if (answer !== 'Remove Host') return;
  const remaining = sshEntries().filter((other) => other.name !== entry.name);
  const routeOf = (destination: string) => sshRouteOf(destination, () => undefined);
  const keys = secretKeysToDelete(
    entry.ssh,
    remaining.map((other) => other.ssh),
    routeOf,
  );
  await writeHosts(hostsWithout(hostsSetting(), entry.name));
  for (const key of keys) await scope.context.secrets.delete(key);
  scope.log.info(`Removed host ${entry.name} from the vlm.hosts user setting, and ${keys.length} stored secret(s) that went with it.`);
}

export async function forgetPassword(scope: ExtensionScope, row: unknown): Promise<void> {
  const entry = await pickSshHost(row, 'Forget Password of');
  if (!entry) return;
  const keys = hostSecretKeys(entry.ssh, (destination) => sshRouteOf(destination, () => undefined));
  let forgotten = 0;
  for (const key of keys) {
    if ((await scope.context.secrets.get(key)) === undefined) continue;
    await scope.context.secrets.delete(key);
    forgotten += 1;
  }
  const message =
    forgotten === 0
      ? `No password or passphrase was stored for host ${entry.name}.`
      : `Forgot ${forgotten} stored password${forgotten === 1 ? '' : 's'}/passphrase${forgotten === 1 ? '' : 's'} of host ${entry.name}; the next connection asks again.`;
  scope.log.info(message);
  void vscode.window.showInformationMessage(message);
}
