// `vlm validate`: the language server's own validation, run over files from the command line.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService } from '@vlm/language-server';
import type { CommandHandler } from '../command-table';
import { exitCodes, UsageError } from '../exit-codes';
import { jsonReport, printable, sortResults, summarize, summaryLine, textLine, type FileResult } from '../diagnostic-report';
import { readTextFile } from '../read-text-file';
import { hostFactsFrom } from './host-capacity';
import { catalogFrom } from './image-catalog-option';

/** The URI the language service sees: the real file's, so messages match the editor's. */
function documentUri(path: string): string {
  return path === '-' ? 'untitled:standard-input.lab.yaml' : pathToFileURL(resolve(path)).href;
}

export const validateFiles: CommandHandler = async (parsed, output) => {
  // The same path twice would only repeat its lines.
  const paths = [...new Set(parsed.operands)];
  if (paths.length === 0) {
    throw new UsageError("no files to validate. Usage: vlm validate FILE... ('-' reads standard input).", 'validate');
  }
  if (paths.includes('-') && process.stdin.isTTY) {
    throw new UsageError("'-' reads a lab from standard input, but standard input is a terminal.", 'validate');
  }

  const hostFacts = hostFactsFrom(parsed);
  const catalog = await catalogFrom(parsed.options.get('catalog'));
  const service = createLabLanguageService(catalog ? { catalog } : {});
  service.setHostFacts(hostFacts);
  const results: FileResult[] = [];
  for (const path of paths) {
    const read = await readTextFile(path, process.stdin);
    if ('problem' in read) {
      results.push(read);
      continue;
    }
    const document = TextDocument.create(documentUri(path), 'yaml', 1, read.text);
    results.push({ path, diagnostics: await service.validate(document) });
    // A CI job may check hundreds of labs: keep only one parsed document at a time.
    service.forget(document.uri);
  }

  const sorted = sortResults(results);
  const summary = summarize(sorted);
  for (const result of sorted) {
    if ('problem' in result) output.stderr(`vlm: cannot read '${printable(result.path)}': ${printable(result.problem)}.\n`);
  }
  if (parsed.options.get('format') === 'json') {
    output.stdout(`${jsonReport(sorted, summary)}\n`);
  } else {
    const lines = sorted.flatMap((result) =>
      'diagnostics' in result ? result.diagnostics.map((diagnostic) => textLine(result.path, diagnostic)) : [],
    );
    if (lines.length > 0) output.stdout(`${lines.join('\n')}\n`);
  }
  output.stderr(`${summaryLine(summary)}\n`);

  if (summary.unreadable > 0) return exitCodes.usage;
  return summary.errors > 0 ? exitCodes.problems : exitCodes.success;
};
