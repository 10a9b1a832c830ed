// Each lab document parsed once, in yaml-language-server's own cache (its features then reuse the
// parse), under the input limits; and the guards every feature passes before it walks a parse.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { yamlDocumentsCache } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import type { YAMLDocument } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import { inspectInput, type InputLimits } from './input-guards';
import { diagnosticAt } from './lab-diagnostics';
import { LabReader, type LabModel } from './lab-model';
import { parseRefusal, withParseLimits } from './parse-guard';

// The parser options yaml-language-server validates with; using the same ones reuses its parse.
const parserOptions = { customTags: [] as string[], yamlVersion: '1.2' as const };

type ParseCache = { cache: Map<string, unknown> };

const maxCachedDocuments = 64;

/** What the guards found about a document. */
export interface GuardResult {
  refused: boolean;
  diagnostics: Diagnostic[];
  tabLines: Set<number>;
  parse?: YAMLDocument;
}

export class ParsedDocuments {
  // Text each URI was last parsed from: two documents with one URI and version but different
  // text (common for library callers) must not share yaml-language-server's cached parse.
  private readonly parsedText = new Map<string, string>();

  constructor(private readonly limits: InputLimits) {}

  parse(document: TextDocument): YAMLDocument {
    this.syncParseCache(document);
    return withParseLimits(this.limits, () => yamlDocumentsCache.getYamlDocument(document, parserOptions, true));
  }

  labModels(document: TextDocument): LabModel[] {
    const lineStartOf = (offset: number): number => document.offsetAt({ line: document.positionAt(offset).line, character: 0 });
    return this.parse(document).documents.map((single) => new LabReader(single.internalDocument, lineStartOf).read());
  }

  /**
   * `refused` input gets no answer but its diagnostic: the line scan keeps it from the parser,
   * the parse guard from everything that walks the parse. When not refused, the document is
   * parsed (and cached) here, under the limits, before any feature uses it.
   */
  guard(document: TextDocument): GuardResult {
    const inspection = inspectInput(document.getText(), this.limits);
    const diagnostics = inspection.problems.map((problem) => diagnosticAt(document, problem, problem.code, problem.message));
    if (inspection.refused) return { refused: true, diagnostics, tabLines: inspection.tabIndentedLines };
    const parse = this.parse(document);
    const problem = parseRefusal(parse);
    if (problem) {
      return {
        refused: true,
        diagnostics: [diagnosticAt(document, problem, problem.code, problem.message)],
        tabLines: inspection.tabIndentedLines,
      };
    }
    return { refused: false, diagnostics, tabLines: inspection.tabIndentedLines, parse };
  }

  forget(uri: string): void {
    this.parsedText.delete(uri);
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
