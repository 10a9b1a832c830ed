// Each lab document parsed once, in yaml-language-server's own cache (its features then reuse the
// parse), under the input limits; and the guards every feature passes before it walks a parse.
// Validation may instead splice an edit of one VM's block into the last clean parse (vm-block-reparse.ts).
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { yamlDocumentsCache } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import type { YAMLDocument } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import { inspectInput, type InputLimits } from './input-guards';
import { diagnosticAt } from './lab-diagnostics';
import { LabReader, type LabModel } from './lab-model';
import { withLabSyntaxTokens } from './lab-syntax-tokens';
import { parseRefusal, withParseLimits } from './parse-guard';
import { changeBetween, describesChange, reparseBase, reparseVmBlock, type ReparseBase, type TextChange } from './vm-block-reparse';
import type { Document } from 'yaml';

// The parser options yaml-language-server validates with; using the same ones reuses its parse.
const parserOptions = { customTags: [] as string[], yamlVersion: '1.2' as const };

type ParseCache = { cache: Map<string, unknown> };

const maxCachedDocuments = 64;

/** What the guards found about a document. */
export interface GuardResult {
  refused: boolean;
  diagnostics: Diagnostic[];
  tabLines: Set<number>;
  parse?: LabParse;
}

/** The parsed YAML documents of a lab, and whether they came from splicing one VM's block. */
export interface LabParse {
  documents: ReadonlyArray<{ internalDocument: Document }>;
  /** Spliced: the syntax is known clean, with nothing for yaml-language-server to report. */
  reparsedBlock: boolean;
}

/** How validation asks for a parse: may it splice into the last clean one, and what changed since. */
export interface ReparseRequest {
  change?: TextChange;
}

export class ParsedDocuments {
  // Text each URI was last parsed from: two documents with one URI and version but different
  // text (common for library callers) must not share yaml-language-server's cached parse.
  private readonly parsedText = new Map<string, string>();
  // The last clean parse of each URI that an edit of one VM's block can be spliced into.
  private readonly reparseBases = new Map<string, ReparseBase>();

  constructor(private readonly limits: InputLimits) {}

  parse(document: TextDocument): YAMLDocument {
    this.syncParseCache(document);
    return withParseLimits(this.limits, () => withLabSyntaxTokens(() => yamlDocumentsCache.getYamlDocument(document, parserOptions, true)));
  }

  labModels(document: TextDocument): LabModel[] {
    const lineStartOf = (offset: number): number => document.offsetAt({ line: document.positionAt(offset).line, character: 0 });
    const base = this.reparseBases.get(document.uri);
    const parsed =
      base && base.text === document.getText() ? [base.document] : this.parse(document).documents.map((single) => single.internalDocument);
    return parsed.map((internalDocument) => new LabReader(internalDocument, lineStartOf).read());
  }

  /**
   * Validation's parse: an edit inside one VM's block of the last clean parse is spliced into
   * it; anything else is parsed in full (and the base for the next edit dropped).
   */
  private labParse(document: TextDocument, request: ReparseRequest): LabParse | undefined {
    const uri = document.uri;
    const base = this.reparseBases.get(uri);
    if (!base) return undefined;
    const text = document.getText();
    if (base.text === text) return { documents: [{ internalDocument: base.document }], reparsedBlock: true };
    const change = request.change && describesChange(base.text, text, request.change) ? request.change : changeBetween(base.text, text);
    // The base's document changes in place: yaml-language-server must not keep serving it.
    this.parsedText.delete(uri);
    (yamlDocumentsCache as unknown as ParseCache).cache.delete(uri);
    if (!reparseVmBlock(base, text, change, this.limits)) {
      this.reparseBases.delete(uri);
      return undefined;
    }
    return { documents: [{ internalDocument: base.document }], reparsedBlock: true };
  }

  /** Keeps a full parse whose syntax was clean (nothing from yaml-language-server) for later edits. */
  keepForReparse(document: TextDocument, parse: LabParse): void {
    if (parse.reparsedBlock) return;
    const text = document.getText();
    const base = reparseBase(
      text,
      parse.documents.map((single) => single.internalDocument),
    );
    this.reparseBases.delete(document.uri);
    if (!base) return;
    this.reparseBases.set(document.uri, base);
    if (this.reparseBases.size > maxCachedDocuments) this.reparseBases.delete(this.reparseBases.keys().next().value as string);
  }

  /**
   * `refused` input gets no answer but its diagnostic: the line scan keeps it from the parser,
   * the parse guard from everything that walks the parse. When not refused, the document is
   * parsed (and cached) here, under the limits, before any feature uses it.
   */
  guard(document: TextDocument, reparse?: ReparseRequest): GuardResult {
    const inspection = inspectInput(document.getText(), this.limits);
    const diagnostics = inspection.problems.map((problem) => diagnosticAt(document, problem, problem.code, problem.message));
    if (inspection.refused) return { refused: true, diagnostics, tabLines: inspection.tabIndentedLines };
    const spliced = reparse ? this.labParse(document, reparse) : undefined;
    if (spliced) return { refused: false, diagnostics, tabLines: inspection.tabIndentedLines, parse: spliced };
    const parse = this.parse(document);
    const problem = parseRefusal(parse);
    if (problem) {
      return {
        refused: true,
        diagnostics: [diagnosticAt(document, problem, problem.code, problem.message)],
        tabLines: inspection.tabIndentedLines,
      };
    }
    return {
      refused: false,
      diagnostics,
      tabLines: inspection.tabIndentedLines,
      parse: { documents: parse.documents, reparsedBlock: false },
    };
  }

  forget(uri: string): void {
    this.parsedText.delete(uri);
    this.reparseBases.delete(uri);
    (yamlDocumentsCache as unknown as ParseCache).cache.delete(uri);
  }

  private syncParseCache(document: TextDocument): void {
    const text = document.getText();
    if (this.parsedText.get(document.uri) !== text) {
      (yamlDocumentsCache as unknown as ParseCache).cache.delete(document.uri);
    }
    // Most recently used last; parses of the least recently used documents are dropped, so a
    // long run over many files (the CLI) does not keep every parse alive.
    this.parsedText.delete(document.uri);
    this.parsedText.set(document.uri, text);
    while (this.parsedText.size > maxCachedDocuments) {
      this.forget(this.parsedText.keys().next().value as string);
    }
  }
}
