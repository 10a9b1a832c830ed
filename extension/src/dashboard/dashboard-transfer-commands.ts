// The commands "Export Dashboard Data…" and "Import Dashboard Data…": VS Code's dialogs around
// the flow in dashboard-transfer-flow.ts. Open panels show an import through the file watcher.
import * as vscode from 'vscode';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { type DashboardTransferHost, exportDashboardData, importDashboardData } from './dashboard-transfer-flow';

const replaceAll = 'Replace everything';
const addMissing = 'Add what is missing';

export function registerDashboardTransfer(scope: ExtensionScope): void {
  let opening: Promise<DashboardStore> | undefined;
  const host: DashboardTransferHost = {
    store: () => {
      opening ??= DashboardStore.open({
        directory: scope.context.globalStorageUri.fsPath,
        log: (line) => scope.log.info(line),
      }).catch((error: unknown) => {
        opening = undefined;
        throw error;
      });
      return opening;
    },
    pickExportFile: async () =>
      (
        await vscode.window.showSaveDialog({
          filters: { JSON: ['json'] },
          saveLabel: 'Export',
          title: 'Export Dashboard Data',
          defaultUri: vscode.Uri.file(`vlm-dashboard-${new Date().toISOString().slice(0, 10)}.json`),
        })
      )?.fsPath,
    pickImportFile: async () =>
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { JSON: ['json'] },
          openLabel: 'Import',
          title: 'Import Dashboard Data',
        })
      )?.[0]?.fsPath,
    pickMode: async (summary) => {
      const answer = await vscode.window.showWarningMessage(
        'Import dashboard data',
        {
          modal: true,
          detail: `${summary}\n\n${replaceAll}: the dashboard holds exactly the file's data afterwards.\n${addMissing}: records already here are kept; those whose id is taken by a different record are listed and not imported.`,
        },
        replaceAll,
        addMissing,
      );
      return answer === replaceAll ? 'replace' : answer === addMissing ? 'merge' : undefined;
    },
    inform: (message) => void vscode.window.showInformationMessage(message),
    fail: (message) => {
      scope.log.warn(message);
      void vscode.window.showErrorMessage(message);
    },
  };
  scope.context.subscriptions.push(
    vscode.commands.registerCommand('vlm.exportDashboardData', () => exportDashboardData(host)),
    vscode.commands.registerCommand('vlm.importDashboardData', () => importDashboardData(host)),
  );
}
