// Reads a lab file for the host commands: checked first with the same engine and output format as
// `vlm validate`, so nothing the editor would flag reaches the host.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService } from '@vlm/language-server';
import type { Lab } from '@vlm/schemas';
import type { CommandOutput } from './command-table';
import { severityWord, summarize, summaryLine, textLine, printable } from './diagnostic-report';
import { exitCodes, UsageError } from './exit-codes';
import { ReportedFailure } from './host-session';
import { readTextFile } from './read-text-file';

/** The lab in `path` when it has no errors; warnings are printed and allowed. */
export async function readValidLab(path: string, output: CommandOutput, commandPath: string): Promise<Lab> {
  if (path === '-' && process.stdin.isTTY) {
    throw new UsageError("'-' reads a lab from standard input, but standard input is a terminal.", commandPath);
  }
  const read = await readTextFile(path, process.stdin);
  if ('problem' in read) throw new ReportedFailure(`cannot read '${printable(path)}': ${printable(read.problem)}.`, exitCodes.usage);

  const uri = path === '-' ? 'untitled:standard-input.lab.yaml' : pathToFileURL(resolve(path)).href;
  return validLabOf(read.text, { path, uri }, output);
}

/**
 * The lab in `text` when the language service finds no error in it (schema and semantic checks,
 * the editor's own); its problems are printed as `vlm validate` prints them, under `where.path`.
 */
export async function validLabOf(text: string, where: { path: string; uri: string }, output: CommandOutput): Promise<Lab> {
  const service = createLabLanguageService();
  const diagnostics = await service.validate(TextDocument.create(where.uri, 'yaml', 1, text));
  // Standard output is the plan; the file's problems go beside the other messages.
  for (const diagnostic of diagnostics) output.stderr(`${textLine(where.path, diagnostic)}\n`);
  if (diagnostics.some((diagnostic) => severityWord(diagnostic.severity) === 'error')) {
    const summary = summaryLine(summarize([{ path: where.path, diagnostics }]));
    throw new ReportedFailure(`${summary}: fix the lab file first (nothing was sent to the host).`, exitCodes.problems);
  }
  return parse(text, { merge: true }) as Lab;
}
