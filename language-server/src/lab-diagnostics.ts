// Building diagnostics of the lab checks: one shape, source 'vlm', a stable code.
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LabFindingData } from '@vlm/schemas';
import type { DiagnosticCode } from './diagnostic-codes';
import type { SourceSpan } from './lab-model';

/** What quick fixes need to know about a diagnostic, carried in `Diagnostic.data`. */
export type LabDiagnosticData = LabFindingData;

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
