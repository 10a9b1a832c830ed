// The LSP side of the lab language service: thin handlers over it. Takes a Connection so tests
// can drive it over in-memory streams and the bundle over stdio.
import { CodeActionKind, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver';
import type { Connection, Diagnostic, InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, type LabLanguageService } from './language-service';
import { diagnosticCodes } from './diagnostic-codes';
import {
  CatalogRequest,
  HostFactsRequest,
  defaultLabServerSettings,
  settingsSection,
  type LabServerSettings,
} from './protocol';

export interface LabServerOptions {
  /** Quiet time after an edit before a document is validated again. */
  debounceMilliseconds?: number;
  service?: LabLanguageService;
}

export const serverName = 'vlm-language-server';

export function startLabServer(connection: Connection, options: LabServerOptions = {}): void {
  const service = options.service ?? createLabLanguageService({
    onError: (what, error) => connection.console.error(`${what} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`),
  });
  const debounce = options.debounceMilliseconds ?? 200;
  const documents = new TextDocuments(TextDocument);
  const timers = new Map<string, NodeJS.Timeout>();
  let canPullSettings = false;

  /** Runs a handler; an exception becomes a log line and a harmless answer, never a crash. */
  async function guarded<T>(what: string, fallback: T, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      connection.console.error(`${what} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      return fallback;
    }
  }

  async function settingsFor(uri: string): Promise<LabServerSettings> {
    if (!canPullSettings) return defaultLabServerSettings;
    let pulled: Partial<LabServerSettings> | null | undefined;
    try {
      pulled = (await connection.workspace.getConfiguration({ scopeUri: uri, section: settingsSection })) as typeof pulled;
    } catch (error) {
      // A client that cannot answer still gets diagnostics, with the default settings.
      connection.console.warn(`Could not read the vlm settings for ${uri}: ${error instanceof Error ? error.message : String(error)}`);
      return defaultLabServerSettings;
    }
    return {
      validation: { enable: pulled?.validation?.enable ?? defaultLabServerSettings.validation.enable },
    };
  }

  async function validateNow(uri: string): Promise<void> {
    const document = documents.get(uri);
    if (!document) return;
    const version = document.version;
    let diagnostics: Diagnostic[];
    try {
      const settings = await settingsFor(uri);
      diagnostics = settings.validation.enable ? await service.validate(document) : [];
    } catch (error) {
      connection.console.error(`Validating ${uri} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      diagnostics = [{
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        message: `VLM could not validate this document (${error instanceof Error ? error.message : String(error)}).`,
        severity: 1,
        code: diagnosticCodes.internalError,
        source: 'vlm',
      }];
    }
    // A newer version arrived (or the document closed) while this one was validated: drop it.
    if (documents.get(uri)?.version !== version) return;
    await connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function schedule(uri: string, delay: number): void {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      void validateNow(uri);
    }, delay));
  }

  function validateOpenDocuments(): void {
    for (const document of documents.all()) schedule(document.uri, 0);
  }

  connection.onInitialize((request): InitializeResult => {
    canPullSettings = request.capabilities.workspace?.configuration === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: [' ', ':', '-', '[', ',', '{'] },
        hoverProvider: true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: serverName, version: '0.1.0' },
    };
  });

  // Opening validates at once; edits wait for a pause. TextDocuments reports an open as a
  // content change too, which must not delay the first diagnostics.
  const justOpened = new Set<string>();
  documents.onDidOpen((event) => {
    justOpened.add(event.document.uri);
    schedule(event.document.uri, 0);
  });
  documents.onDidChangeContent((event) => {
    if (justOpened.delete(event.document.uri)) return;
    schedule(event.document.uri, debounce);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    clearTimeout(timers.get(uri));
    timers.delete(uri);
    service.forget(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });
  connection.onDidChangeConfiguration(() => validateOpenDocuments());

  connection.onCompletion((request) => guarded('Completion', null, () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.complete(document, request.position) : null;
  }));
  connection.onHover((request) => guarded('Hover', null, () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.hover(document, request.position) : null;
  }));
  connection.onDocumentSymbol((request) => guarded('Document symbols', [], () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.documentSymbols(document) : [];
  }));
  connection.onFoldingRanges((request) => guarded('Folding ranges', [], () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.foldingRanges(document) : [];
  }));
  connection.onSelectionRanges((request) => guarded('Selection ranges', [], () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.selectionRanges(document, request.positions) : [];
  }));
  connection.onCodeAction((request) => guarded('Code actions', [], () => {
    const document = documents.get(request.textDocument.uri);
    return document ? service.codeActions(document, request.range, request.context.diagnostics) : [];
  }));
  connection.onRequest(HostFactsRequest.type, (facts) => guarded('Setting host facts', null, () => {
    service.setHostFacts(facts ?? undefined);
    validateOpenDocuments();
    return null;
  }));
  connection.onRequest(CatalogRequest.type, (catalog) => guarded('Setting the image catalog', null, () => {
    service.setCatalog(catalog);
    validateOpenDocuments();
    return null;
  }));
  connection.onShutdown(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  });

  documents.listen(connection);
  connection.listen();
}
