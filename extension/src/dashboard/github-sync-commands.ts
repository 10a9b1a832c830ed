// The GitHub sync's commands: choose the repositories (each tied to a roadmap) and sync them. The
// sign-in is VS Code's own authentication provider (github, github-enterprise, or the one the
// vlm.github.authenticationProvider setting names); the token lives only in this call's session and
// is handed to the sync engine, never to the store, the log or a message.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { createGithubClient, listRepositories, requiredScope } from '@vlm/webviews/src/github-sync/github-client';
import { type GithubEndpoint, githubEndpoint } from '@vlm/webviews/src/github-sync/github-endpoint';
import { applySyncResult, checkedRepositoryName, describeSummary, syncRepository } from '@vlm/webviews/src/github-sync/repository-sync';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';

export function registerGithubSync(scope: ExtensionScope): void {
  let opening: Promise<DashboardStore> | undefined;
  const store = () => {
    opening ??= DashboardStore.open({
      directory: scope.context.globalStorageUri.fsPath,
      log: (line) => scope.log.info(line),
    }).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  const run = (action: string, work: () => Promise<void>) => async () => {
    try {
      await work();
    } catch (error) {
      await scope.log.reportError(action, error);
    }
  };
  scope.context.subscriptions.push(
    vscode.commands.registerCommand(
      'vlm.github.chooseRepositories',
      run('choose GitHub repositories', () => chooseRepositories(scope, store)),
    ),
    vscode.commands.registerCommand(
      'vlm.github.sync',
      run('sync tasks with GitHub', () => syncAll(scope, store)),
    ),
  );
}

function endpoint(): GithubEndpoint {
  const settings = vscode.workspace.getConfiguration('vlm.github');
  return githubEndpoint(
    settings.get<string>('authenticationProvider', 'github'),
    vscode.workspace.getConfiguration('github-enterprise').get<string>('uri', ''),
    settings.get<string>('apiUrl', ''),
  );
}

async function signIn(target: GithubEndpoint): Promise<string> {
  const session = await vscode.authentication.getSession(target.providerId, [requiredScope], { createIfNone: true });
  return session.accessToken;
}

async function chooseRepositories(scope: ExtensionScope, store: () => Promise<DashboardStore>): Promise<void> {
  const target = endpoint();
  const token = await signIn(target);
  const dashboardStore = await store();
  const data = await dashboardStore.read();
  const chosen = new Set(data.github.repositories.map((settings) => settings.repository));
  const reachable = await listRepositories(createGithubClient({ token, baseUrl: target.baseUrl, etags: {} }));
  const typed = '$(edit) Another repository (owner/name)…';
  const picked = await vscode.window.showQuickPick(
    [...[...new Set([...chosen, ...reachable])].map((label) => ({ label, picked: chosen.has(label) })), { label: typed, picked: false }],
    { canPickMany: true, title: 'GitHub repositories to sync with your tasks and roadmaps' },
  );
  if (picked === undefined) return;
  const names = picked.filter((item) => item.label !== typed).map((item) => item.label);
  if (picked.some((item) => item.label === typed)) {
    const name = await vscode.window.showInputBox({
      prompt: 'GitHub repository, as owner/name',
      validateInput: (value) => {
        try {
          checkedRepositoryName(value.trim());
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (name) names.push(name.trim());
  }
  const roadmaps = new Map<string, { roadmapId: string; newName?: string }>();
  for (const name of names.filter((candidate) => !chosen.has(candidate))) {
    const items = [
      { label: `$(add) A new roadmap "${name}"`, roadmapId: randomUUID(), newName: name },
      ...data.roadmaps.map((roadmap) => ({ label: roadmap.name, roadmapId: roadmap.id, newName: undefined })),
    ];
    const roadmap = await vscode.window.showQuickPick(items, { title: `The roadmap ${name}'s milestones go to` });
    if (roadmap === undefined) return;
    roadmaps.set(name, { roadmapId: roadmap.roadmapId, newName: roadmap.newName });
  }
  await dashboardStore.update((draft) => {
    const kept = draft.github.repositories.filter((settings) => names.includes(settings.repository));
    for (const [repository, { roadmapId, newName }] of roadmaps) {
      if (newName !== undefined) draft.roadmaps.push({ id: roadmapId, name: newName.slice(0, 200), milestones: [] });
      kept.push({ repository, roadmapId });
    }
    draft.github.repositories = kept;
  });
  scope.log.info(`GitHub sync: ${names.length} repositories chosen.`);
  void vscode.window.showInformationMessage(names.length > 0 ? `Tasks sync with ${names.join(', ')}.` : 'No GitHub repository is synced.');
}

async function syncAll(scope: ExtensionScope, store: () => Promise<DashboardStore>): Promise<void> {
  const dashboardStore = await store();
  const repositories = (await dashboardStore.read()).github.repositories;
  if (repositories.length === 0) {
    const choose = 'Choose Repositories';
    const answer = await vscode.window.showInformationMessage('No GitHub repository is chosen for sync yet.', choose);
    if (answer === choose) await vscode.commands.executeCommand('vlm.github.chooseRepositories');
    return;
  }
  const target = endpoint();
  const token = await signIn(target);
  const lines: string[] = [];
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Syncing tasks with GitHub', cancellable: false },
    async (progress) => {
      for (const { repository } of repositories) {
        progress.report({ message: repository });
        try {
          const data = await dashboardStore.read();
          const settings = data.github.repositories.find((candidate) => candidate.repository === repository);
          if (settings === undefined) continue;
          const result = await syncRepository(data, settings, {
            token,
            baseUrl: target.baseUrl,
            onEvent: (event) => progress.report({ message: `${repository}: GitHub asked to wait ${event.retryAfterSeconds} s` }),
          });
          await dashboardStore.update((draft) => applySyncResult(draft, result));
          for (const conflict of result.summary.conflicts) scope.log.info(`GitHub sync: ${conflict}`);
          lines.push(describeSummary(result.summary));
        } catch (error) {
          lines.push(`${repository}: not synced.`);
          void scope.log.reportError(`sync ${repository} with GitHub`, error);
        }
      }
    },
  );
  scope.log.info(`GitHub sync: ${lines.join(' ')}`);
  void vscode.window.showInformationMessage(`GitHub sync: ${lines.join(' ')}`);
}
