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
import { getLanguageService, SchemaPriority } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService';
import type { LanguageService as YamlLanguageService } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService';
import { yamlDocumentsCache } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import type { YAMLDocument } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import { builtInImageCatalog, labSchema, labSchemaId } from '@vlm/schemas';
import type { CatalogImages } from './protocol';
import { diagnosticCodes } from './diagnostic-codes';
import { defaultInputLimits, inspectInput, type InputLimits } from './input-guards';
import { LabReader, type LabModel } from './lab-model';
import { runSemanticChecks, type HostFacts } from './semantic-checks';
import { diagnosticAt } from './lab-diagnostics';
import { labQuickFixes } from './quick-fixes';
import { labCompletions } from './lab-completion';
import { installAliasResolutionCache } from './alias-resolution';
import { ignoreDocumentSchemaChoices, skipSchemaValidationPass } from './lab-schema-only';
import { installParseGuard, parseRefusal, withParseLimits } from './parse-guard';
import { emptyLabDiagnostic, schemaCodes, schemaDiagnostics } from './schema-messages';

export type { HostFacts } from './semantic-checks';

export interface LabLanguageServiceOptions {
  /** Image catalog to check `os_image` against; the built-in one by default. */
  catalog?: CatalogImages;
  /** Limits that protect against hostile input; the defaults suit hand-written labs. */
  limits?: Partial<InputLimits>;
  /** Told about unexpected exceptions, which the service turns into harmless answers. */
  onError?: (what: string, error: unknown) => void;
}

export interface LabLanguageService {
  /** Schema diagnostics plus the semantic checks, each semantic one with a stable code. */
  validate(document: TextDocument): Promise<Diagnostic[]>;
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
  /** Drops what is cached for a document (call when it is closed). */
  forget(uri: string): void;
}

// The parser options yaml-language-server validates with; using the same ones reuses its parse.
const parserOptions = { customTags: [] as string[], yamlVersion: '1.2' as const };

type ParseCache = { cache: Map<string, unknown> };

const maxCachedDocuments = 64;
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
  shown.push(diagnosticAt(document, { start: end, end }, diagnosticCodes.tooManyProblems,
    `This lab has more than ${maxDiagnostics} problems; only the first ${maxDiagnostics} are shown. Fix these and validate again.`,
    DiagnosticSeverity.Warning));
  return shown;
}

function rangeKey(range: Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

export function createLabLanguageService(options: LabLanguageServiceOptions = {}): LabLanguageService {
  installAliasResolutionCache();
  installParseGuard();
  ignoreDocumentSchemaChoices();
  skipSchemaValidationPass();
  let catalog: CatalogImages = options.catalog ?? builtInImageCatalog;
  // Read in each request, inside its guard: a catalog a client got wrong is an error of that request.
  const catalogNames = (): string[] => catalog.images.map((image) => image.name);
  let hostFacts: HostFacts | undefined;
  const limits: InputLimits = { ...defaultInputLimits, ...options.limits };
  // Text each URI was last parsed from: two documents with one URI and version but different
  // text (common for library callers) must not share yaml-language-server's cached parse.
  const parsedText = new Map<string, string>();

  const yamlService: YamlLanguageService = getLanguageService({
    schemaRequestService: async (uri: string) => {
      if (uri === labSchemaId) return JSON.stringify(labSchema);
      throw new Error(`Schema ${uri} is not available: only the lab schema is served, and nothing is fetched from the network.`);
    },
    workspaceContext: { resolveRelativePath: (relativePath: string) => relativePath },
  });
  yamlService.configure({
    validate: true,
    hover: true,
    completion: true,
    format: false,
    hoverSchemaSource: false,
    // Every document this service is given is a lab ('*' matches any URI). The schema itself
    // comes from the request service above, once; yaml-language-server caches it.
    schemas: [{ uri: labSchemaId, fileMatch: ['*'], priority: SchemaPriority.Settings }],
    customTags: [],
    yamlVersion: '1.2',
  });

  function syncParseCache(document: TextDocument): string {
    const text = document.getText();
    if (parsedText.get(document.uri) !== text) {
      (yamlDocumentsCache as unknown as ParseCache).cache.delete(document.uri);
    }
    // Most recently used last; parses of the least recently used documents are dropped, so a
    // long run over many files (the CLI) does not keep every parse alive.
    parsedText.delete(document.uri);
    parsedText.set(document.uri, text);
    while (parsedText.size > maxCachedDocuments) {
      const oldest = parsedText.keys().next().value as string;
      parsedText.delete(oldest);
      (yamlDocumentsCache as unknown as ParseCache).cache.delete(oldest);
    }
    return text;
  }

  function parsed(document: TextDocument): YAMLDocument {
    syncParseCache(document);
    return withParseLimits(limits, () => yamlDocumentsCache.getYamlDocument(document, parserOptions, true));
  }

  function labModels(document: TextDocument): LabModel[] {
    const lineStartOf = (offset: number): number => document.offsetAt({ line: document.positionAt(offset).line, character: 0 });
    return parsed(document).documents.map((single) => new LabReader(single.internalDocument, lineStartOf).read());
  }

  function reportError(what: string, error: unknown): void {
    try {
      options.onError?.(what, error);
    } catch {
      // A failing logger must not turn a handled error into a crash.
    }
  }

  function internalError(document: TextDocument, what: string, error: unknown): Diagnostic {
    reportError(`validate ${document.uri}`, error);
    const detail = error instanceof Error ? error.message : String(error);
    return diagnosticAt(document, { start: 0, end: 0 }, diagnosticCodes.internalError,
      `VLM could not ${what} this document (${detail}). This is a bug in the lab language server.`);
  }

  /**
   * What the guards found. `refused` input gets no answer but its diagnostic: the line scan keeps
   * it from the parser, the parse guard from everything that walks the parse. When not refused,
   * the document is parsed (and cached) here, under the limits, before any feature uses it.
   */
  function guard(document: TextDocument): { refused: boolean; diagnostics: Diagnostic[]; tabLines: Set<number>; parse?: YAMLDocument } {
    const inspection = inspectInput(document.getText(), limits);
    const diagnostics = inspection.problems.map((problem) =>
      diagnosticAt(document, problem, problem.code, problem.message));
    if (inspection.refused) return { refused: true, diagnostics, tabLines: inspection.tabIndentedLines };
    const parse = parsed(document);
    const problem = parseRefusal(parse);
    if (problem) {
      return { refused: true, diagnostics: [diagnosticAt(document, problem, problem.code, problem.message)], tabLines: inspection.tabIndentedLines };
    }
    return { refused: false, diagnostics, tabLines: inspection.tabIndentedLines, parse };
  }

  return {
    async validate(document) {
      try {
        const checked = guard(document);
        if (checked.refused || !checked.parse) return checked.diagnostics;
        const empty = emptyLabDiagnostic(document, checked.parse);
        if (empty) return [empty];
        const yamlDiagnostics = await yamlService.doValidation(document, false);
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
        const names = catalogNames();
        let semantic: Diagnostic[] = [];
        for (const model of labModels(document)) {
          semantic = semantic.concat(runSemanticChecks({ document, model, imageNames: names, hostFacts }));
        }
        // A value the lab checks explain (a port outside its range, an unknown image, a bad
        // cidr or address) is reported once, by the check that says more and may offer a fix.
        const explainedRanges = new Set(semantic
          .filter((diagnostic) => explainedBySemanticChecks.has(diagnostic.code as string))
          .map((diagnostic) => rangeKey(diagnostic.range)));
        const kept = results.filter((diagnostic) =>
          !schemaCodes.has(diagnostic.code as string) || !explainedRanges.has(rangeKey(diagnostic.range)));
        return capped(document, kept.concat(semantic));
      } catch (error) {
        return [internalError(document, 'validate', error)];
      }
    },

    async complete(document, position) {
      const empty: CompletionList = { isIncomplete: false, items: [] };
      try {
        // Lab completions are line scans, safe on any input; only the schema pass is guarded.
        const lab = labCompletions(document, position, catalogNames());
        // The schema offers nothing for depends_on entries, network names or os_image beyond
        // its examples (catalog images already): skip its pass, which re-matches the whole
        // document. A `- ` entry of a VM's networks may also start the {name, ip} form, so the
        // schema's items are merged there.
        if (lab.context !== undefined && lab.context !== 'vm-network-item') return { isIncomplete: false, items: lab.items };
        if (guard(document).refused) return { isIncomplete: false, items: lab.items };
        const schemaList = await yamlService.doComplete(document, position, false);
        const seen = new Set(lab.items.map((item) => item.label));
        return {
          isIncomplete: schemaList.isIncomplete,
          items: [...lab.items, ...schemaList.items.filter((item) => !seen.has(item.label))],
        };
      } catch (error) {
        reportError(`complete ${document.uri}`, error);
        return empty;
      }
    },

    async hover(document, position) {
      try {
        if (guard(document).refused) return null;
        return await yamlService.doHover(document, position);
      } catch (error) {
        reportError(`hover ${document.uri}`, error);
        return null;
      }
    },

    documentSymbols(document) {
      try {
        if (guard(document).refused) return [];
        return yamlService.findDocumentSymbols2(document, {});
      } catch (error) {
        reportError(`documentSymbols ${document.uri}`, error);
        return [];
      }
    },

    foldingRanges(document) {
      try {
        if (guard(document).refused) return [];
        return yamlService.getFoldingRanges(document, { rangeLimit: maxFoldingRanges }) ?? [];
      } catch (error) {
        reportError(`foldingRanges ${document.uri}`, error);
        return [];
      }
    },

    selectionRanges(document, positions) {
      try {
        if (guard(document).refused) return [];
        return yamlService.getSelectionRanges(document, positions);
      } catch (error) {
        reportError(`selectionRanges ${document.uri}`, error);
        return [];
      }
    },

    codeActions(document, range, diagnostics) {
      try {
        if (guard(document).refused) return [];
        const models = labModels(document);
        return labQuickFixes({ document, range, diagnostics, models, imageNames: catalogNames() });
      } catch (error) {
        reportError(`codeActions ${document.uri}`, error);
        return [];
      }
    },

    setHostFacts(facts) {
      hostFacts = facts;
    },

    setCatalog(next) {
      catalog = next;
    },

    forget(uri) {
      parsedText.delete(uri);
      (yamlDocumentsCache as unknown as ParseCache).cache.delete(uri);
    },
  };
}
