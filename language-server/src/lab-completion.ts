// Completions the schema cannot offer: names declared in the lab and catalog images.
import type { CompletionItem, Position } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LabModel } from './lab-model';

export function labCompletions(document: TextDocument, position: Position, models: LabModel[], imageNames: readonly string[]): CompletionItem[] {
  void document; void position; void models; void imageNames;
  return [];
}
