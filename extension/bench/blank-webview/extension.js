// The Expenses panel benchmark's anchor: a webview opened from the Command Palette as the panel is,
// with the page of extension/src/dashboard/dashboard-panel-page.ts (CSP default-src 'none', a nonce,
// one stylesheet and one script from the extension) but a script that only marks its start, and the
// arrival of one small message posted at creation, as the panel's entries are. What it takes is what
// VS Code spends before and around any panel code: the webview, the page, delivering a message.
const { randomBytes } = require('node:crypto');
const vscode = require('vscode');

exports.activate = (context) => {
  const folder = vscode.Uri.joinPath(context.extensionUri, 'page');
  context.subscriptions.push(
    vscode.commands.registerCommand('vlmBench.openBlankWebview', () => {
      const panel = vscode.window.createWebviewPanel('vlmBench.blank', 'Blank', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [folder],
      });
      const { webview } = panel;
      const nonce = randomBytes(16).toString('base64');
      const asset = (name) => webview.asWebviewUri(vscode.Uri.joinPath(folder, name)).toString();
      const policy = [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src ${webview.cspSource}`,
        `font-src ${webview.cspSource}`,
        `img-src ${webview.cspSource} data:`,
      ].join('; ');
      webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('blank.css')}">
<title>Blank</title>
</head>
<body>
<script nonce="${nonce}" src="${asset('blank.js')}"></script>
</body>
</html>`;
      void webview.postMessage({ type: 'hello' });
    }),
  );
};
