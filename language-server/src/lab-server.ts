// The LSP side of the lab language service: thin handlers over it. Takes a Connection so tests
// can drive it over in-memory streams and the bundle over stdio.
import { CodeActionKind, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver';
import type { Connection, Diagnostic, InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, type LabLanguageService, type TextChange } from './language-service';
import { diagnosticCodes } from './diagnostic-codes';
import {
  CatalogRequest,
  HostFactsRequest,
  LabTopologyRequest,
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
  const service =
    options.service ??
    createLabLanguageService({
      onError: (what, error) =>
        connection.console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
  const edits = new PendingEdits();
  // Incremental sync: each edit's range is recorded on its way into the document, so validation
  // can tell the service what changed since it last validated.
  const documents = new TextDocuments({
    create: TextDocument.create,
    update: (document, changes, version) => edits.apply(document, changes, version),
  });
  const validation = new DocumentValidation(connection, service, documents, edits);

  connection.onInitialize((request): InitializeResult => {
    validation.canPullSettings = request.capabilities.workspace?.configuration === true;
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
  const debounce = options.debounceMilliseconds ?? 200;
  const justOpened = new Set<string>();
  documents.onDidOpen((event) => {
    justOpened.add(event.document.uri);
    validation.schedule(event.document.uri, 0);
  });
  documents.onDidChangeContent((event) => {
    if (justOpened.delete(event.document.uri)) return;
    validation.schedule(event.document.uri, debounce);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    validation.cancel(uri);
    edits.take(uri);
    service.forget(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });
  connection.onDidChangeConfiguration(() => validation.validateOpenDocuments());

  answerRequests(connection, service, documents, validation);
  connection.onShutdown(() => validation.cancelAll());

  documents.listen(connection);
  connection.listen();
}

/** The language features, each a thin guarded call into the service. */
function answerRequests(
  connection: Connection,
  service: LabLanguageService,
  documents: TextDocuments<TextDocument>,
  validation: DocumentValidation,
): void {
  /** Runs a handler; an exception becomes a log line and a harmless answer, never a crash. */
  async function guarded<T>(what: string, fallback: T, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      connection.console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  }

  connection.onCompletion((request) =>
    guarded('Completion', null, () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.complete(document, request.position) : null;
    }),
  );
  connection.onHover((request) =>
    guarded('Hover', null, () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.hover(document, request.position) : null;
    }),
  );
  connection.onDocumentSymbol((request) =>
    guarded('Document symbols', [], () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.documentSymbols(document) : [];
    }),
  );
  connection.onFoldingRanges((request) =>
    guarded('Folding ranges', [], () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.foldingRanges(document) : [];
    }),
  );
  connection.onSelectionRanges((request) =>
    guarded('Selection ranges', [], () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.selectionRanges(document, request.positions) : [];
    }),
  );
  connection.onCodeAction((request) =>
    guarded('Code actions', [], () => {
      const document = documents.get(request.textDocument.uri);
      return document ? service.codeActions(document, request.range, request.context.diagnostics) : [];
    }),
  );
  connection.onRequest(HostFactsRequest.type, (facts) =>
    guarded('Setting host facts', null, () => {
      service.setHostFacts(facts ?? undefined);
      validation.validateOpenDocuments();
      return null;
    }),
  );
  connection.onRequest(LabTopologyRequest.type, (request) =>
    guarded('Lab topology', null, () => {
      const document = documents.get(request.uri);
      return document ? service.labTopology(document) : null;
    }),
  );
  connection.onRequest(CatalogRequest.type, (catalog) =>
    guarded('Setting the image catalog', null, () => {
      service.setCatalog(catalog);
      validation.validateOpenDocuments();
      return null;
    }),
  );
}

/** Validates documents when asked, one timer per document, and publishes the diagnostics. */
class DocumentValidation {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Whether the client answers workspace/configuration; known after initialize. */
  canPullSettings = false;

  constructor(
    private readonly connection: Connection,
    private readonly service: LabLanguageService,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly edits: PendingEdits,
  ) {}

  schedule(uri: string, delay: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.validateNow(uri);
      }, delay),
    );
  }

  validateOpenDocuments(): void {
    for (const document of this.documents.all()) this.schedule(document.uri, 0);
  }

  cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async settingsFor(uri: string): Promise<LabServerSettings> {
    if (!this.canPullSettings) return defaultLabServerSettings;
    let pulled: Partial<LabServerSettings> | null | undefined;
    try {
      pulled = (await this.connection.workspace.getConfiguration({ scopeUri: uri, section: settingsSection })) as typeof pulled;
    } catch (error) {
      // A client that cannot answer still gets diagnostics, with the default settings.
      this.connection.console.warn(`Could not read the vlm settings for ${uri}: ${error instanceof Error ? error.message : String(error)}`);
      return defaultLabServerSettings;
    }
    return {
      validation: { enable: pulled?.validation?.enable ?? defaultLabServerSettings.validation.enable },
    };
  }

  private async validateNow(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document) return;
    const version = document.version;
    let diagnostics: Diagnostic[];
    try {
      const settings = await this.settingsFor(uri);
      diagnostics = settings.validation.enable ? await this.service.validate(document, this.edits.take(uri)) : [];
    } catch (error) {
      this.connection.console.error(`Validating ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      diagnostics = [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          message: `VLM could not validate this document (${error instanceof Error ? error.message : String(error)}).`,
          severity: 1,
          code: diagnosticCodes.internalError,
          source: 'vlm',
        },
      ];
    }
    // A newer version arrived (or the document closed) while this one was validated: drop it.
    if (this.documents.get(uri)?.version !== version) return;
    await this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}

/**
 * The edits of each document since it was last validated, merged into one changed range of the
 * text validated last. Unknown (undefined) after a whole-text replacement.
 */
class PendingEdits {
  private readonly pending = new Map<string, TextChange | 'unknown'>();

  /** Applies the changes one at a time, each range read against the text it was made to. */
  apply(document: TextDocument, changes: TextDocumentContentChangeEvent[], version: number): TextDocument {
    let updated = document;
    for (const change of changes) {
      if ('range' in change) {
        const start = updated.offsetAt(change.range.start);
        const end = updated.offsetAt(change.range.end);
        this.merge(document.uri, { start, oldEnd: end, newEnd: start + change.text.length });
      } else {
        this.pending.set(document.uri, 'unknown');
      }
      updated = TextDocument.update(updated, [change], version);
    }
    return updated;
  }

  /** What changed since the last call for this URI; undefined when not known. */
  take(uri: string): TextChange | undefined {
    const change = this.pending.get(uri);
    this.pending.delete(uri);
    return change === 'unknown' ? undefined : change;
  }

  private merge(uri: string, next: TextChange): void {
    const previous = this.pending.get(uri);
    if (previous === 'unknown') return;
    if (!previous) {
      this.pending.set(uri, next);
      return;
    }
    // previous: [start, oldEnd) of the validated text is [start, newEnd) now; next is in today's text.
    const start = Math.min(previous.start, next.start);
    const endNow = Math.max(previous.newEnd, next.oldEnd);
    const oldEnd = previous.oldEnd + (endNow - previous.newEnd);
    this.pending.set(uri, { start, oldEnd, newEnd: endNow + (next.newEnd - next.oldEnd) });
  }
}
