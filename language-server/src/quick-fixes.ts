// Quick fixes for the lab's semantic diagnostics.
import type { CodeAction, Diagnostic, Range } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LabModel } from './lab-model';

export interface QuickFixInput {
  document: TextDocument;
  range: Range;
  diagnostics: Diagnostic[];
  models: LabModel[];
  imageNames: readonly string[];
}

export function labQuickFixes(input: QuickFixInput): CodeAction[] {
  void input;
  return [];
}
