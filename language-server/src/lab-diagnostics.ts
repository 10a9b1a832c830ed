// Building diagnostics of the lab checks: one shape, source 'vlm', a stable code.
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { PortField } from '@vlm/schemas';
import type { DiagnosticCode } from './diagnostic-codes';
import type { SourceSpan } from './lab-model';

/** What quick fixes need to know about a diagnostic, carried in `Diagnostic.data`. */
export type LabDiagnosticData =
  | { kind: 'duplicate-name'; entity: 'vm' | 'network'; name: string }
  | { kind: 'undefined-network'; name: string }
  | { kind: 'port'; field: PortField }
  | { kind: 'unknown-image'; image: string };

export function diagnosticAt(
  document: TextDocument,
  span: SourceSpan,
  code: DiagnosticCode,
  message: string,
  severity: DiagnosticSeverity = DiagnosticSeverity.Error,
  data?: LabDiagnosticData,
): Diagnostic {
  const diagnostic: Diagnostic = {
    range: { start: document.positionAt(span.start), end: document.positionAt(span.end) },
    message,
    severity,
    code,
    source: 'vlm',
  };
  if (data) diagnostic.data = data;
  return diagnostic;
}

