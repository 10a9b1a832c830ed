// Turns diagnostics into the CLI's text and JSON output. Positions become 1-based here and
// nowhere else.
import type { Diagnostic } from 'vscode-languageserver-types';
import { printable, printableMessage } from '@vlm/host-client/src/printable';

export { printable, printableMessage };

export type SeverityWord = 'error' | 'warning' | 'info' | 'hint';

/** LSP severities 1..4; a diagnostic without one counts as an error, the safe side for CI. */
export function severityWord(severity: number | undefined): SeverityWord {
  switch (severity) {
    case 2:
      return 'warning';
    case 3:
      return 'info';
    case 4:
      return 'hint';
    default:
      return 'error';
  }
}

/** Results for one file: its diagnostics, or why it could not be read. */
export type FileResult = { path: string; diagnostics: Diagnostic[] } | { path: string; problem: string };

export interface ReportedDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: SeverityWord;
  message: string;
  code?: string;
  source?: string;
}

export interface Summary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
  hints: number;
  unreadable: number;
}

function comparePositions(left: Diagnostic, right: Diagnostic): number {
  return (
    left.range.start.line - right.range.start.line ||
    left.range.start.character - right.range.start.character ||
    (left.severity ?? 1) - (right.severity ?? 1) ||
    (left.message < right.message ? -1 : left.message > right.message ? 1 : 0)
  );
}

export function toReported(diagnostic: Diagnostic): ReportedDiagnostic {
  const reported: ReportedDiagnostic = {
    line: diagnostic.range.start.line + 1,
    column: diagnostic.range.start.character + 1,
    endLine: diagnostic.range.end.line + 1,
    endColumn: diagnostic.range.end.character + 1,
    severity: severityWord(diagnostic.severity),
    message: diagnostic.message,
  };
  if (diagnostic.code !== undefined) reported.code = String(diagnostic.code);
  if (diagnostic.source !== undefined) reported.source = diagnostic.source;
  return reported;
}

/** Files by path (code-unit order, so output is the same on every machine), diagnostics by position. */
export function sortResults(results: readonly FileResult[]): FileResult[] {
  const sorted = [...results].sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
  return sorted.map((result) =>
    'diagnostics' in result ? { path: result.path, diagnostics: [...result.diagnostics].sort(comparePositions) } : result,
  );
}

export function summarize(results: readonly FileResult[]): Summary {
  const summary: Summary = { files: results.length, errors: 0, warnings: 0, infos: 0, hints: 0, unreadable: 0 };
  for (const result of results) {
    if (!('diagnostics' in result)) {
      summary.unreadable += 1;
      continue;
    }
    for (const diagnostic of result.diagnostics) {
      const word = severityWord(diagnostic.severity);
      if (word === 'error') summary.errors += 1;
      else if (word === 'warning') summary.warnings += 1;
      else if (word === 'info') summary.infos += 1;
      else summary.hints += 1;
    }
  }
  return summary;
}

function counted(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** "3 files, 2 errors, 1 warning"; info, hint and unreadable counts only when there are some. */
export function summaryLine(summary: Summary): string {
  const parts = [
    counted(summary.files, 'file', 'files'),
    counted(summary.errors, 'error', 'errors'),
    counted(summary.warnings, 'warning', 'warnings'),
  ];
  if (summary.infos > 0) parts.push(counted(summary.infos, 'info', 'infos'));
  if (summary.hints > 0) parts.push(counted(summary.hints, 'hint', 'hints'));
  if (summary.unreadable > 0) parts.push(`${summary.unreadable} unreadable`);
  return parts.join(', ');
}

export function textLine(path: string, diagnostic: Diagnostic): string {
  const reported = toReported(diagnostic);
  const code = reported.code !== undefined ? ` [${printable(reported.code)}]` : '';
  return `${printable(path)}:${reported.line}:${reported.column}: ${reported.severity}: ${printableMessage(reported.message)}${code}`;
}

/** One JSON document: stable field names, 1-based positions like the text form. */
export function jsonReport(sortedResults: readonly FileResult[], summary: Summary): string {
  const files = sortedResults.map((result) =>
    'diagnostics' in result
      ? { path: result.path, diagnostics: result.diagnostics.map(toReported) }
      : { path: result.path, error: result.problem },
  );
  return JSON.stringify({ files, summary });
}
