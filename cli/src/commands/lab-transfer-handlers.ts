// `vlm lab export` (the lab file as the host recorded it, or Terraform JSON) and `vlm lab import`
// (a lab file or URL, validated in full, then planned and applied like `vlm lab up`).
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LabsExportRequest, LabsExportTerraformRequest } from '@vlm/schemas/src/host-protocol';
import type { CommandHandler, CommandOutput } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes } from '../exit-codes';
import { ReportedFailure, reportFailures, withHost } from '../host-session';
import { downloadLab, LabDownloadError, looksLikeUrl } from '../lab-download';
import { readValidLab, validLabOf } from '../lab-file';
import { checkLabName } from '../vm-address';
import { applyConfirmed, oneOperand } from './lab-handlers';

/** Writes a new file; an existing one is never replaced (nothing saved is lost). */
async function writeNewFile(path: string, text: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? 'it exists already (remove it or choose another --output)' : (error as Error).message;
    throw new ReportedFailure(`cannot write '${printable(path)}': ${printable(reason)}.`, exitCodes.problems);
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

export const labExport: CommandHandler = async (parsed, output) => {
  const name = checkLabName(oneOperand(parsed, 'NAME', 'lab export'), 'NAME', 'lab export');
  const target = parsed.options.get('output');
  const terraform = parsed.options.get('format') === 'terraform';
  return withHost(parsed, 'lab export', output, async (session) => {
    if (!terraform) {
      const { lab } = await session.request(LabsExportRequest.type, { name });
      const text = stringify(lab, { lineWidth: 0 });
      if (target === undefined || target === '-') output.stdout(text);
      else {
        await writeNewFile(target, text);
        output.stdout(`Wrote ${printable(target)}: lab ${name} as the host recorded it.\n`);
      }
      return exitCodes.success;
    }
    const exported = await session.request(LabsExportTerraformRequest.type, { name });
    const path = join(target ?? '.', exported.fileName);
    await writeNewFile(path, exported.text);
    output.stdout(`Wrote ${printable(path)} for dmacvicar/libvirt ~> 0.9.7.\n`);
    if (exported.unexpressed.length > 0) {
      output.stdout(`Not expressible with the provider (also in the file's "//" comment):\n`);
      for (const line of exported.unexpressed) output.stdout(`  - ${printable(line)}\n`);
    }
    return exitCodes.success;
  });
};

/** The lab at a URL: downloaded with its limits, then checked like a file. */
async function downloadedLab(source: string, output: CommandOutput) {
  let text: string;
  try {
    text = await downloadLab(source);
  } catch (error) {
    if (error instanceof LabDownloadError)
      throw new ReportedFailure(
        `cannot import '${printable(source)}': ${printable(error.message)}. Nothing was created.`,
        exitCodes.problems,
      );
    throw error;
  }
  return validLabOf(text, { path: source, uri: 'untitled:imported.lab.yaml' }, output);
}

export const labImport: CommandHandler = async (parsed, output) => {
  const source = oneOperand(parsed, 'FILE|URL', 'lab import');
  return reportFailures(output, async () => {
    const lab = looksLikeUrl(source) ? await downloadedLab(source, output) : await readValidLab(source, output, 'lab import');
    return applyConfirmed(parsed, output, lab, { commandPath: 'lab import', again: `vlm lab import ${source}` });
  });
};
