// The client of the bundled lab language server (dist/server.js), for lab files.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Log } from './log';
import { labLanguageId } from './lab-language';

export { labLanguageId } from './lab-language';

export function createLanguageClient(context: vscode.ExtensionContext, log: Log): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: labLanguageId, scheme: 'file' },
      { language: labLanguageId, scheme: 'untitled' },
    ],
    outputChannel: log.channel,
    synchronize: { configurationSection: 'vlm' },
    middleware: {
      workspace: {
        // The server asks for `vlm` settings per lab file: answer from that file's scope, so
        // folder settings apply. Other sections are not ours to answer.
        configuration: (params) =>
          params.items.map((item) => {
            if (!item.section || !(item.section === 'vlm' || item.section.startsWith('vlm.'))) return null;
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return vscode.workspace.getConfiguration(undefined, scope).get(item.section) ?? null;
          }),
      },
    },
  };
  return new LanguageClient('vlm', 'Virtual Labs Language Server', serverOptions, clientOptions);
}
