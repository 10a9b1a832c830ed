// Add Cloud Account and Remove Cloud Account. Settings go to the `vlm.cloudAccounts` user setting;
// secrets a user types go to SecretStorage only. An account is written only once its settings
// passed its provider's check and its secrets are stored, so nothing is left half-made.
import * as vscode from 'vscode';
import { type CloudAccount, providerKinds, type ProviderKind } from '@vlm/clouds/src/cloud-provider';
import { accountIdProblem, parseCloudAccounts, secretStorageKey } from './cloud-accounts';
import {
  optionalSecrets,
  providerDescriptions,
  secretPrompt,
  secretsToAsk,
  settingQuestions,
  settingValue,
} from './cloud-account-questions';
import { cloudCommand, type CloudScope } from './cloud-commands';
import { checkAccountSettings, hasProvider, providerSecretKeys } from './cloud-providers';
import { type CloudRow, providerNames } from './cloud-rows';

const settingName = 'cloudAccounts';

function secretListKey(accountId: string): string {
  return `vlm.cloud.secretKeys/${accountId}`;
}

export function readCloudAccounts(): { accounts: CloudAccount[]; problems: string[] } {
  return parseCloudAccounts(vscode.workspace.getConfiguration('vlm').get<unknown>(settingName));
}

export function registerCloudAccountCommands(scope: CloudScope): void {
  cloudCommand(scope, 'vlm.cloud.addAccount', 'add a cloud account', () => addAccount(scope));
  cloudCommand(scope, 'vlm.cloud.removeAccount', 'remove the cloud account', (row) => removeAccount(scope, row as CloudRow | undefined));
}

async function ask(title: string, prompt: string, options: Partial<vscode.InputBoxOptions> = {}): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, ...options });
}

async function addAccount(scope: CloudScope): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    providerKinds.map((kind) => ({
      label: providerNames[kind],
      description: hasProvider(kind) ? '' : 'not in this build',
      detail: providerDescriptions[kind],
      provider: kind,
    })),
    { title: 'Add Cloud Account', placeHolder: 'Provider' },
  );
  if (!picked) return;
  const kind: ProviderKind = picked.provider;
  const title = `Add ${providerNames[kind]} Account`;
  const taken = new Set(readCloudAccounts().accounts.map((account) => account.id));
  const id = await ask(title, 'A name for the account in VLM', {
    placeHolder: `${kind}-main`,
    validateInput: (value) => accountIdProblem(value, taken),
  });
  if (id === undefined) return;
  const settings = await askSettings(kind, title);
  if (!settings) return;
  const account: CloudAccount = { id, provider: kind, settings };
  // The provider's own check: a bad field is named before anything is stored.
  await checkAccountSettings(account);
  const secrets = new Map<string, string>();
  for (const key of secretsToAsk(kind, settings, await providerSecretKeys(kind))) {
    const value = await ask(title, secretPrompt(key), {
      password: true,
      validateInput: (text) => (text !== '' || optionalSecrets.has(key) ? undefined : 'This one is needed.'),
    });
    if (value === undefined) return;
    if (value !== '') secrets.set(key, value);
  }
  for (const [key, value] of secrets) await scope.context.secrets.store(secretStorageKey(id, key), value);
  // SecretStorage cannot list its keys: which ones the account has is remembered, for Remove.
  await scope.context.globalState.update(secretListKey(id), [...secrets.keys()]);
  try {
    const configuration = vscode.workspace.getConfiguration('vlm');
    const current = configuration.inspect<unknown[]>(settingName)?.globalValue ?? [];
    await configuration.update(settingName, [...current, account], vscode.ConfigurationTarget.Global);
  } catch (error) {
    for (const key of secrets.keys()) await scope.context.secrets.delete(secretStorageKey(id, key));
    await scope.context.globalState.update(secretListKey(id), undefined);
    throw error;
  }
  scope.log.info(
    `Added ${providerNames[kind]} account ${id} to the vlm.cloudAccounts user setting${secrets.size ? ` (${secrets.size} secret(s) in secret storage)` : ''}.`,
  );
}

/** The provider's settings, question by question; undefined when the user gave up. */
async function askSettings(kind: ProviderKind, title: string): Promise<Record<string, unknown> | undefined> {
  const settings: Record<string, unknown> = {};
  for (const question of settingQuestions[kind]) {
    if (question.askedWhen && !question.askedWhen(settings)) continue;
    if (question.choices) {
      const choice = await vscode.window.showQuickPick(question.choices, { title, placeHolder: question.prompt, ignoreFocusOut: true });
      if (!choice) return undefined;
      settings[question.key] = choice.value;
      continue;
    }
    const answer = await ask(title, question.prompt, {
      placeHolder: question.placeHolder,
      validateInput: (value) => (question.optional || value.trim() !== '' ? undefined : 'This one is needed.'),
    });
    if (answer === undefined) return undefined;
    const value = settingValue(question, answer);
    if (value !== undefined) settings[question.key] = value;
  }
  return settings;
}

async function removeAccount(scope: CloudScope, row: CloudRow | undefined): Promise<void> {
  const { accounts } = readCloudAccounts();
  let id = row?.accountId;
  if (!id) {
    const picked = await vscode.window.showQuickPick(
      accounts.map((account) => ({ label: account.id, description: providerNames[account.provider] })),
      { title: 'Remove Cloud Account' },
    );
    id = picked?.label;
  }
  const account = accounts.find((candidate) => candidate.id === id);
  if (!account) return;
  const answer = await vscode.window.showWarningMessage(
    `Remove cloud account ${account.id} from VLM?`,
    {
      modal: true,
      detail: `Its entry in vlm.cloudAccounts and the secrets VLM keeps for it go. Its instances at ${providerNames[account.provider]} are not touched.`,
    },
    'Remove',
  );
  if (answer !== 'Remove') return;
  const configuration = vscode.workspace.getConfiguration('vlm');
  const current = configuration.inspect<unknown[]>(settingName)?.globalValue ?? [];
  await configuration.update(
    settingName,
    current.filter((entry) => (entry as { id?: unknown } | null)?.id !== account.id),
    vscode.ConfigurationTarget.Global,
  );
  const stored = scope.context.globalState.get<string[]>(secretListKey(account.id)) ?? [];
  for (const key of new Set([...stored, ...(await providerSecretKeys(account.provider))]))
    await scope.context.secrets.delete(secretStorageKey(account.id, key));
  await scope.context.globalState.update(secretListKey(account.id), undefined);
  scope.log.info(`Removed cloud account ${account.id} and its secrets.`);
}
