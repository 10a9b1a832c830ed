// The Tools panel (vlm.openTools). Opening a tool goes through vscode.env.openExternal, after
// tools-requests.ts has checked its URL again.
import * as vscode from 'vscode';
import type { ExtensionScope } from '../extension-scope';
import { registerDashboardPanel } from './dashboard-panels';
import { ToolsRequests } from './tools-requests';

export const toolsViewType = 'vlm.tools';

export function registerToolsPanel(scope: ExtensionScope): void {
  registerDashboardPanel(scope, {
    viewType: toolsViewType,
    command: 'vlm.openTools',
    title: 'Tools',
    bundle: 'tools',
    requests: ({ store, post, warn }) =>
      new ToolsRequests({
        store,
        openExternal: (url) => Promise.resolve(vscode.env.openExternal(vscode.Uri.parse(url, true))),
        post: (message) => post(message),
        warn,
      }),
  });
}
