// The lab language service: yaml-language-server with the lab schema, plus the lab's own
// semantic checks, quick fixes and completions. Pure: no connection, no network.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Position,
  Range,
  SelectionRange,
} from 'vscode-languageserver-types';
import type { LanguageService as YamlLanguageService } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService';
import { builtInImageCatalog, type TopologyLab } from '@vlm/schemas';
import { documentTopology } from './lab-topology';
import type { CatalogImages } from './protocol';
import { diagnosticCodes } from './diagnostic-codes';
import { defaultInputLimits, type InputLimits } from './input-guards';
import { ParsedDocuments } from './parsed-documents';
import { runSemanticChecks, type HostFacts } from './semantic-checks';
import { diagnosticAt } from './lab-diagnostics';
import { labQuickFixes } from './quick-fixes';
import { labCompletions } from './lab-completion';
import { installAliasResolutionCache } from './alias-resolution';
import { installParseGuard } from './parse-guard';
import { builtClean } from './lab-document';
import { emptyLabDiagnostic, schemaCodes, schemaDiagnostics } from './schema-messages';
import type { TextChange } from './vm-block-reparse';

export type { HostFacts } from './semantic-checks';
export type { TextChange } from './vm-block-reparse';

export interface LabLanguageServiceOptions {
  /** Image catalog to check `os_image` against; the built-in one by default. */
  catalog?: CatalogImages;
  /** Limits that protect against hostile input; the defaults suit hand-written labs. */
  limits?: Partial<InputLimits>;
  /** Told about unexpected exceptions, which the service turns into harmless answers. */
  onError?: (what: string, error: unknown) => void;
  /** Told how each validation parsed: one VM's block spliced into the last parse, or in full. */
  onValidationParse?: (uri: string, parse: 'vm-block' | 'full') => void;
}

export interface LabLanguageService {
  /**
   * Schema diagnostics plus the semantic checks, each semantic one with a stable code. `change`,
   * where known (LSP incremental sync), says what changed since this URI was last validated; it
   * is checked against the text, and found by comparing the texts when absent or wrong.
   */
  validate(document: TextDocument, change?: TextChange): Promise<Diagnostic[]>;
  complete(document: TextDocument, position: Position): Promise<CompletionList>;
  hover(document: TextDocument, position: Position): Promise<Hover | null>;
  documentSymbols(document: TextDocument): DocumentSymbol[];
  foldingRanges(document: TextDocument): FoldingRange[];
  selectionRanges(document: TextDocument, positions: Position[]): SelectionRange[];
  codeActions(document: TextDocument, range: Range, diagnostics: Diagnostic[]): CodeAction[];
  /** Facts of the lab's target host; `undefined` turns the capacity check off. */
  setHostFacts(facts: HostFacts | undefined): void;
  /** The images `os_image` may name from now on (a host's catalog adds its own). */
  setCatalog(catalog: CatalogImages): void;
  /** What the Lab Topology panel draws of the document's first lab; null for refused input. */
  labTopology(document: TextDocument): TopologyLab | null;
  /** Drops what is cached for a document (call when it is closed). */
  forget(uri: string): void;
}

/** Semantic codes that explain a value better than the schema's message at the same place. */
const explainedBySemanticChecks: ReadonlySet<string> = new Set([
  diagnosticCodes.portOutOfRange,
  diagnosticCodes.unknownImage,
  diagnosticCodes.invalidCidr,
  diagnosticCodes.addressOutsideNetwork,
]);
// VS Code's own limit for folding ranges of one document.
const maxFoldingRanges = 5000;

// More problems than anyone reads; a hostile lab could otherwise publish millions.
const maxDiagnostics = 1000;

function capped(document: TextDocument, diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= maxDiagnostics) return diagnostics;
  const shown = diagnostics.slice(0, maxDiagnostics);
  const end = document.getText().length;
  shown.push(
    diagnosticAt(
      document,
      { start: end, end },
      diagnosticCodes.tooManyProblems,
      `This lab has more than ${maxDiagnostics} problems; only the first ${maxDiagnostics} are shown. Fix these and validate again.`,
      DiagnosticSeverity.Warning,
    ),
  );
  return shown;
}

function rangeKey(range: Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

interface ValidationInput {
  document: TextDocument;
  change: TextChange | undefined;
  onParse: LabLanguageServiceOptions['onValidationParse'];
  yamlService: () => YamlLanguageService;
  documents: ParsedDocuments;
  imageNames: () => string[];
  hostFacts: HostFacts | undefined;
}

/** Syntax, schema and lab checks of one document, each value explained once. */
async function validateLab({
  document,
  change,
  yamlService,
  documents,
  imageNames,
  hostFacts,
  onParse,
}: ValidationInput): Promise<Diagnostic[]> {
  const checked = documents.guard(document, { change });
  if (checked.refused || !checked.parse) return checked.diagnostics;
  onParse?.(document.uri, checked.parse.reparsedBlock ? 'vm-block' : 'full');
  const empty = emptyLabDiagnostic(document, checked.parse);
  if (empty) return [empty];
  // A spliced parse is clean YAML with no anchors in the edited block, and a parse lab-document.ts
  // built is clean YAML without anchors: yaml-language-server has nothing to say about either.
  const clean = checked.parse.reparsedBlock || checked.parse.documents.every((single) => builtClean(single.internalDocument));
  const yamlDiagnostics = clean ? [] : await yamlService().doValidation(document, false);
  if (yamlDiagnostics.length === 0) documents.keepForReparse(document, checked.parse);
  let results: Diagnostic[] = [...checked.diagnostics];
  for (const diagnostic of yamlDiagnostics) {
    // Schema problems come from the lab's own schema check below, in words a user reads.
    if (diagnostic.source !== 'YAML') continue;
    // Syntax errors: the tab check already explained tab indentation on that line.
    if (checked.tabLines.has(diagnostic.range.start.line)) continue;
    results.push({ ...diagnostic, code: diagnosticCodes.yamlSyntax, source: 'vlm' });
  }
  // concat, not push(...): a hostile lab can have more problems than a call has arguments.
  results = results.concat(schemaDiagnostics(document, checked.parse, maxDiagnostics + 1));
  const names = imageNames();
  let semantic: Diagnostic[] = [];
  for (const model of documents.labModels(document)) {
    semantic = semantic.concat(runSemanticChecks({ document, model, imageNames: names, hostFacts }));
  }
  // A value the lab checks explain (a port outside its range, an unknown image, a bad
  // cidr or address) is reported once, by the check that says more and may offer a fix.
  const explainedRanges = new Set(
    semantic
      .filter((diagnostic) => explainedBySemanticChecks.has(diagnostic.code as string))
      .map((diagnostic) => rangeKey(diagnostic.range)),
  );
  const kept = results.filter(
    (diagnostic) => !schemaCodes.has(diagnostic.code as string) || !explainedRanges.has(rangeKey(diagnostic.range)),
  );
  return capped(document, kept.concat(semantic));
}

/**
 * yaml-language-server's service, made on first use: loading it builds its schema service and
 * three Ajv instances (about 20 ms), which `vlm validate` of a lab lab-document.ts built never needs.
 */
function lazyYamlService(): () => YamlLanguageService {
  let service: YamlLanguageService | undefined;
  return () => {
    // A require, not an import: an import would load the module with this one.
    service ??= (require('./yaml-service') as typeof import('./yaml-service')).createYamlService();
    return service;
  };
}

export function createLabLanguageService(options: LabLanguageServiceOptions = {}): LabLanguageService {
  installAliasResolutionCache();
  installParseGuard();
  let catalog: CatalogImages = options.catalog ?? builtInImageCatalog;
  // Read in each request, inside its guard: a catalog a client got wrong is an error of that request.
  const imageNames = (): string[] => catalog.images.map((image) => image.name);
  let hostFacts: HostFacts | undefined;
  const documents = new ParsedDocuments({ ...defaultInputLimits, ...options.limits });
  const yamlService = lazyYamlService();

  function reportError(what: string, error: unknown): void {
    try {
      options.onError?.(what, error);
    } catch {
      // A failing logger must not turn a handled error into a crash.
    }
  }

  /** A feature's answer: empty for refused input, and for an unexpected exception (reported). */
  function answer<T>(what: string, document: TextDocument, empty: T, run: () => T): T {
    try {
      return documents.guard(document).refused ? empty : run();
    } catch (error) {
      reportError(`${what} ${document.uri}`, error);
      return empty;
    }
  }

  return {
    async validate(document, change) {
      try {
        return await validateLab({ document, change, yamlService, documents, imageNames, hostFacts, onParse: options.onValidationParse });
      } catch (error) {
        reportError(`validate ${document.uri}`, error);
        const detail = error instanceof Error ? error.message : String(error);
        return [
          diagnosticAt(
            document,
            { start: 0, end: 0 },
            diagnosticCodes.internalError,
            `VLM could not validate this document (${detail}). This is a bug in the lab language server.`,
          ),
        ];
      }
    },

    async complete(document, position) {
      try {
        // Lab completions are line scans, safe on any input; only the schema pass is guarded.
        const lab = labCompletions(document, position, imageNames());
        // The schema offers nothing for depends_on entries, network names or os_image beyond
        // its examples (catalog images already): skip its pass, which re-matches the whole
        // document. A `- ` entry of a VM's networks may also start the {name, ip} form, so the
        // schema's items are merged there.
        if (lab.context !== undefined && lab.context !== 'vm-network-item') return { isIncomplete: false, items: lab.items };
        if (documents.guard(document).refused) return { isIncomplete: false, items: lab.items };
        const schemaList = await yamlService().doComplete(document, position, false);
        const seen = new Set(lab.items.map((item) => item.label));
        return {
          isIncomplete: schemaList.isIncomplete,
          items: [...lab.items, ...schemaList.items.filter((item) => !seen.has(item.label))],
        };
      } catch (error) {
        reportError(`complete ${document.uri}`, error);
        return { isIncomplete: false, items: [] };
      }
    },

    async hover(document, position) {
      try {
        if (documents.guard(document).refused) return null;
        return await yamlService().doHover(document, position);
      } catch (error) {
        reportError(`hover ${document.uri}`, error);
        return null;
      }
    },

    documentSymbols: (document) => answer('documentSymbols', document, [], () => yamlService().findDocumentSymbols2(document, {})),
    foldingRanges: (document) =>
      answer('foldingRanges', document, [], () => yamlService().getFoldingRanges(document, { rangeLimit: maxFoldingRanges }) ?? []),
    selectionRanges: (document, positions) =>
      answer('selectionRanges', document, [], () => yamlService().getSelectionRanges(document, positions)),
    codeActions: (document, range, diagnostics) =>
      answer('codeActions', document, [], () =>
        labQuickFixes({ document, range, diagnostics, models: documents.labModels(document), imageNames: imageNames() }),
      ),

    labTopology: (document) => answer('labTopology', document, null, () => documentTopology(documents, document)),
    setHostFacts(facts) {
      hostFacts = facts;
    },

    setCatalog(next) {
      catalog = next;
    },

    forget(uri) {
      documents.forget(uri);
    },
  };
}
