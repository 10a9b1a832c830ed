// The Tasks panel: a board of tasks and the roadmaps' timelines, opened from the command palette
// (vlm.openTasks) or the Hosts view's title bar, restored after a reload by its serializer. The
// page and the store are the dashboard panels' shared ones (dashboard-panel-page.ts).
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { DashboardStoreOpener, dashboardPanelHtml, dashboardPanelOptions } from './dashboard-panel-page';
import { TasksRequests } from './tasks-requests';

export const tasksViewType = 'vlm.tasks';

export function registerTasksPanel(scope: ExtensionScope): void {
  const panels = new TasksPanels(scope);
  scope.context.subscriptions.push(
    panels,
    vscode.commands.registerCommand('vlm.openTasks', () => panels.open()),
    vscode.window.registerWebviewPanelSerializer(tasksViewType, {
      deserializeWebviewPanel: async (panel) => panels.adopt(panel),
    }),
  );
}

class TasksPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly opener: DashboardStoreOpener;

  constructor(private readonly scope: ExtensionScope) {
    this.opener = new DashboardStoreOpener(scope);
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    this.adopt(vscode.window.createWebviewPanel(tasksViewType, 'Tasks', vscode.ViewColumn.Active, dashboardPanelOptions(this.scope)));
  }

  /** Fills a new panel, or one VS Code restored after a reload, and answers its messages. */
  adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.options = dashboardPanelOptions(this.scope);
    panel.webview.html = dashboardPanelHtml(this.scope, panel.webview, 'tasks', 'Tasks');
    const requests = new TasksRequests({
      store: () => this.opener.store(),
      warn: (line) => this.scope.log.warn(`Tasks panel: ${line}`),
    });
    const post = async (raw: unknown) => {
      await panel.webview.postMessage(await requests.handle(raw));
    };
    const subscriptions = [
      panel.webview.onDidReceiveMessage(post),
      // Another window may have changed the tasks while this panel was hidden.
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) void post({ type: 'ready' });
      }),
    ];
    panel.onDidDispose(() => {
      for (const subscription of subscriptions) subscription.dispose();
      if (this.panel === panel) this.panel = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
