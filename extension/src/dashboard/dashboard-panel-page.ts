// What every dashboard panel's webview shares: the page that loads its bundle (CSP default-src
// 'none', a nonce per page, scripts and styles only from dist/webviews), the webview's options,
// and the dashboard store, opened once and opened again after a failure the user may fix.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';

function distFolder(scope: ExtensionScope): vscode.Uri {
  return vscode.Uri.joinPath(scope.context.extensionUri, 'dist', 'webviews');
}

export function dashboardPanelOptions(scope: ExtensionScope): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [distFolder(scope)] };
}

/** The page of a panel whose bundle is dist/webviews/`bundle`.js and .css. */
export function dashboardPanelHtml(scope: ExtensionScope, webview: vscode.Webview, bundle: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(distFolder(scope), name)).toString();
  const policy = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${bundle}.css`)}">
<title>${title}</title>
</head>
<body>
<script nonce="${nonce}" src="${asset(`${bundle}.js`)}"></script>
</body>
</html>`;
}

/** The dashboard store of a panel, opened on first use; not kept after a failure, so the user may fix the file and try again. */
export class DashboardStoreOpener {
  private opening: Promise<DashboardStore> | undefined;

  constructor(private readonly scope: ExtensionScope) {}

  store(): Promise<DashboardStore> {
    this.opening ??= DashboardStore.open({
      directory: this.scope.context.globalStorageUri.fsPath,
      log: (line) => this.scope.log.info(line),
    }).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }
}
