// The two engines the benchmarks compare: our lab language service, and the anchor, plain
// yaml-language-server with the same lab schema registered from memory (schema checks only).
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionList, Diagnostic, Position } from 'vscode-languageserver-types';
import { getLanguageService, SchemaPriority } from 'yaml-language-server';
import { yamlDocumentsCache } from 'yaml-language-server/out/server/src/languageservice/parser/yaml-documents';
import { labSchema, labSchemaId } from '@vlm/schemas';
import { createLabLanguageService } from '../src/index';
import type { LabLanguageServiceOptions, TextChange } from '../src/language-service';

export type EngineName = 'ours' | 'anchor';

export interface Engine {
  name: EngineName;
  /** `change`, when given, is what changed since the engine last validated this URI (ours uses it). */
  validate(document: TextDocument, change?: TextChange): Promise<Diagnostic[]>;
  complete(document: TextDocument, position: Position): Promise<CompletionList>;
  /** Drops what the engine cached for a document, so benchmarks with many URIs don't pile up memory. */
  forget(uri: string): void;
}

export function createOurs(options: LabLanguageServiceOptions = {}): Engine {
  const service = createLabLanguageService(options);
  return {
    name: 'ours',
    validate: (document, change) => service.validate(document, change),
    complete: (document, position) => service.complete(document, position),
    forget: (uri) => service.forget(uri),
  };
}

export function createAnchor(): Engine {
  const service = getLanguageService({
    schemaRequestService: (uri) => Promise.reject(new Error(`the benchmark loads no schema from ${uri}`)),
    workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).href },
  });
  service.configure({
    validate: true,
    completion: true,
    hover: false,
    yamlVersion: '1.2',
    schemas: [{ uri: labSchemaId, fileMatch: ['*.lab.yaml'], schema: labSchema, priority: SchemaPriority.Settings }],
  });
  return {
    name: 'anchor',
    validate: (document) => service.doValidation(document, false),
    complete: (document, position) => service.doComplete(document, position, false),
    // yaml-language-server keeps every parsed document in a module-wide cache keyed by URI.
    forget: (uri) => (yamlDocumentsCache as unknown as { cache: Map<string, unknown> }).cache.delete(uri),
  };
}

export function createEngine(name: EngineName): Engine {
  return name === 'ours' ? createOurs() : createAnchor();
}

/** A document both engines treat as a lab file: same folder and `.lab.yaml` name. */
export function labDocument(label: string, version: number, text: string): TextDocument {
  return TextDocument.create(`file:///bench/${label}.lab.yaml`, 'yaml', version, text);
}
