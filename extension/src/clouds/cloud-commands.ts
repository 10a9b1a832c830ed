// The Clouds view's commands: power actions on the selected instances (each returns at once; the
// rows follow the operations), copy address, web console, SSH terminal, filter and refresh.
import * as vscode from 'vscode';
import type { CloudInstance, PowerAction } from '@vlm/clouds/src/cloud-provider';
import { isCancellation } from '../errors';
import type { Log } from '../log';
import { failureText } from './cloud-accounts';
import { confirmation, consoleUrlProblem, selectedInstanceRows, whileRunning } from './cloud-actions';
import { FilterError, parseInstanceFilter } from '@vlm/clouds/src/instance-filter';
import { actionWords, type CloudRow, instanceAddress } from './cloud-rows';
import type { CloudsTreeProvider } from './clouds-tree';

export interface CloudScope {
  context: vscode.ExtensionContext;
  log: Log;
  clouds: CloudsTreeProvider;
  cloudsView: vscode.TreeView<CloudRow>;
}

const actionCommands: Record<string, PowerAction> = {
  'vlm.cloud.start': 'start',
  'vlm.cloud.stop': 'stop',
  'vlm.cloud.reboot': 'reboot',
  'vlm.cloud.forceStop': 'forceStop',
  'vlm.cloud.delete': 'delete',
};

type Handler = (...args: unknown[]) => Promise<unknown> | unknown;

/** Registers a command whose failures are logged and shown with the provider's words. */
export function cloudCommand(scope: CloudScope, command: string, action: string, handler: Handler): void {
  scope.context.subscriptions.push(
    vscode.commands.registerCommand(command, async (...args: unknown[]) => {
      try {
        await handler(...args);
      } catch (error) {
        // A cancelled prompt stays silent; a provider's failure is shown with its code and hint.
        await scope.log.reportError(action, isCancellation(error) ? error : new Error(failureText(error), { cause: error }));
      }
    }),
  );
}

export function registerCloudCommands(scope: CloudScope): void {
  for (const [command, action] of Object.entries(actionCommands)) {
    cloudCommand(scope, command, `${actionWords(action)} the instance`, (row, selection) => runAction(scope, action, row, selection));
  }
  cloudCommand(scope, 'vlm.cloud.copyAddress', 'copy the address', (row) => copyAddress(scope, row));
  cloudCommand(scope, 'vlm.cloud.openConsole', 'open the web console', (row) => openConsole(scope, row));
  cloudCommand(scope, 'vlm.cloud.openSshTerminal', 'open an SSH terminal', async (row) => {
    const [instance] = instancesOf(scope, row, undefined);
    // ssh2 loads with the first SSH terminal, not with the extension.
    if (instance) await (await import('./cloud-ssh-terminal')).openCloudSshTerminal(scope.context, scope.log, instance);
  });
  cloudCommand(scope, 'vlm.cloud.refresh', 'refresh the clouds', () => scope.clouds.refresh());
  cloudCommand(scope, 'vlm.cloud.refreshAccount', 'refresh the cloud account', (row) => {
    const accountId = (row as CloudRow | undefined)?.accountId;
    return accountId ? scope.clouds.refresh(accountId) : scope.clouds.refresh();
  });
  cloudCommand(scope, 'vlm.cloud.filter', 'filter the clouds', () => filter(scope));
  cloudCommand(scope, 'vlm.cloud.clearFilter', 'clear the clouds filter', () => setFilter(scope, ''));
}

/** The instances behind the clicked and selected rows, as the model has them now. */
function instancesOf(scope: CloudScope, row: unknown, selection: unknown): CloudInstance[] {
  return selectedInstanceRows(row, selection).flatMap(
    (picked) => scope.clouds.model.instance(picked.accountId, picked.location, picked.instanceId) ?? [],
  );
}

async function runAction(scope: CloudScope, action: PowerAction, row: unknown, selection: unknown): Promise<void> {
  const selected = instancesOf(scope, row, selection);
  const able = selected.filter((instance) => instance.actions.includes(action));
  const unable = selected.filter((instance) => !instance.actions.includes(action));
  if (unable.length > 0) {
    scope.log.info(
      `Not asking to ${actionWords(action)} ${unable.map((instance) => `${instance.name || instance.id} (${instance.state})`).join(', ')}: not in a state for it.`,
    );
  }
  if (able.length === 0) {
    if (selected.length > 0)
      void vscode.window.showInformationMessage(`None of the selected instances can ${actionWords(action)} in its current state.`);
    return;
  }
  const question = confirmation(action, able);
  if (question) {
    const answer = await vscode.window.showWarningMessage(question.message, { modal: true, detail: question.detail }, question.button);
    if (answer !== question.button) return;
  }
  const failures: string[] = [];
  await Promise.all(
    able.map(async (instance) => {
      try {
        const provider = await scope.clouds.provider(instance.accountId);
        const operation = await provider.runAction(instance.location, instance.id, action);
        scope.log.info(`${actionWords(action)} ${instance.name || instance.id} in ${instance.accountId}: sent (${operation.handle}).`);
        scope.clouds.showInstance(whileRunning(instance, action));
        scope.clouds.followers.follow(operation);
      } catch (error) {
        failures.push(`${instance.name || instance.id}: ${failureText(error)}`);
      }
    }),
  );
  if (failures.length > 0) throw new Error(failures.join('; '));
}

async function copyAddress(scope: CloudScope, row: unknown): Promise<void> {
  const [instance] = instancesOf(scope, row, undefined);
  if (!instance) return;
  const address = instanceAddress(instance);
  if (!address) {
    void vscode.window.showInformationMessage(`${instance.name || instance.id} has no address now.`);
    return;
  }
  await vscode.env.clipboard.writeText(address);
  void vscode.window.showInformationMessage(`Copied ${address}`);
}

async function openConsole(scope: CloudScope, row: unknown): Promise<void> {
  const [instance] = instancesOf(scope, row, undefined);
  if (!instance) return;
  const problem = consoleUrlProblem(instance.consoleUrl);
  if (problem || !instance.consoleUrl) throw new Error(`Cannot open the web console of ${instance.name || instance.id}: ${problem}`);
  await vscode.env.openExternal(vscode.Uri.parse(instance.consoleUrl, true));
}

async function filter(scope: CloudScope): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Filter Cloud Instances',
    prompt: 'Terms that all must match: text in the name, a tag key=value ("key=a value" with spaces), state:running, provider:aws',
    value: scope.clouds.model.filter,
    validateInput: filterProblem,
  });
  if (value !== undefined) setFilter(scope, value);
}

function filterProblem(text: string): string | undefined {
  try {
    parseInstanceFilter(text);
    return undefined;
  } catch (error) {
    if (error instanceof FilterError) return `${error.message[0]?.toUpperCase()}${error.message.slice(1)}.`;
    throw error;
  }
}

function setFilter(scope: CloudScope, value: string): void {
  scope.clouds.setFilter(value);
  scope.cloudsView.message = scope.clouds.model.filter ? `Showing instances matching "${scope.clouds.model.filter}"` : undefined;
}
