// The Tasks panel: a board of tasks and the roadmaps' timelines (vlm.openTasks). Its Sync button
// runs the vlm.github.sync command, so the panel and the Command Palette sync the same way.
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { registerDashboardPanel } from './dashboard-panels';
import { TasksRequests } from './tasks-requests';

export const tasksViewType = 'vlm.tasks';

export function registerTasksPanel(scope: ExtensionScope): void {
  registerDashboardPanel(scope, {
    viewType: tasksViewType,
    command: 'vlm.openTasks',
    title: 'Tasks',
    bundle: 'tasks',
    requests: ({ store, warn }) =>
      new TasksRequests({
        store,
        warn,
        sync: async () => {
          await vscode.commands.executeCommand('vlm.github.sync');
        },
      }),
  });
}
