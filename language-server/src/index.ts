// The lab language service as a library: pure functions of a document, no LSP connection.
// The LSP server (server.ts) and the `vlm validate` CLI both use it.
export { createLabLanguageService } from './language-service';
export type { LabLanguageService, LabLanguageServiceOptions, HostFacts } from './language-service';
export { diagnosticCodes } from './diagnostic-codes';
export type { DiagnosticCode } from './diagnostic-codes';
