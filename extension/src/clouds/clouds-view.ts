// The Clouds view put together: the tree over the `vlm.cloudAccounts` setting, secrets from
// SecretStorage, following paused while the view is hidden, and the view's commands.
import * as vscode from 'vscode';
import type { SecretSource } from '@vlm/clouds/src/cloud-provider';
import type { Log } from '../log';
import { registerCloudAccountCommands, readCloudAccounts } from './cloud-account-commands';
import { secretStorageKey } from './cloud-accounts';
import { registerCloudCommands } from './cloud-commands';
import { createCloudProvider } from './cloud-providers';
import { CloudsTreeProvider } from './clouds-tree';

export function registerClouds(context: vscode.ExtensionContext, log: Log): void {
  const secrets: SecretSource = { get: async (accountId, key) => context.secrets.get(secretStorageKey(accountId, key)) };
  const clouds = new CloudsTreeProvider(secrets, log, createCloudProvider);
  const cloudsView = vscode.window.createTreeView('vlm.clouds', { treeDataProvider: clouds, showCollapseAll: true, canSelectMany: true });
  const scope = { context, log, clouds, cloudsView };
  const loadAccounts = () => {
    const { accounts, problems } = readCloudAccounts();
    for (const problem of problems) log.warn(`Cloud account setting skipped: ${problem}`);
    clouds.setAccounts(accounts);
  };
  clouds.followers.setVisible(cloudsView.visible);
  context.subscriptions.push(
    clouds,
    cloudsView,
    // Hidden: no polling at all; shown again: unsettled rows are followed again.
    cloudsView.onDidChangeVisibility((event) => clouds.followers.setVisible(event.visible)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('vlm.cloudAccounts')) loadAccounts();
    }),
    // A secret typed in another window changes what the provider can do: list that account again.
    context.secrets.onDidChange((event) => {
      const match = /^vlm\.cloud\/([^/]+)\//.exec(event.key);
      if (match?.[1]) clouds.forgetProvider(match[1]);
    }),
  );
  registerCloudCommands(scope);
  registerCloudAccountCommands(scope);
  loadAccounts();
}
