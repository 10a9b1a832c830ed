// Contract of the lab language service. The implementation fills in the bodies.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  Hover,
  Position,
  Range,
} from 'vscode-languageserver-types';
import type { ImageCatalog } from '@vlm/schemas';

/** What the host service reports about the target host; enables the capacity check. */
export interface HostFacts {
  name: string;
  cpus: number;
  memory_mb: number;
}

export interface LabLanguageServiceOptions {
  /** Image catalog to check `os_image` against; the built-in one by default. */
  catalog?: ImageCatalog;
}

export interface LabLanguageService {
  /** Schema diagnostics plus the semantic checks, each semantic one with a stable code. */
  validate(document: TextDocument): Promise<Diagnostic[]>;
  complete(document: TextDocument, position: Position): Promise<CompletionList>;
  hover(document: TextDocument, position: Position): Promise<Hover | null>;
  documentSymbols(document: TextDocument): DocumentSymbol[];
  codeActions(document: TextDocument, range: Range, diagnostics: Diagnostic[]): CodeAction[];
  /** Facts of the lab's target host; `undefined` turns the capacity check off. */
  setHostFacts(facts: HostFacts | undefined): void;
  setCatalog(catalog: ImageCatalog): void;
}

export function createLabLanguageService(options: LabLanguageServiceOptions = {}): LabLanguageService {
  void options;
  throw new Error('not implemented yet');
}
