// Export and import of the whole dashboard as the commands run them, without VS Code: pick a
// file, check it whole, ask replace or merge, apply under the store's lock, tell the user what
// happened. Every failure is a sentence that says nothing was imported.
import { readFile, stat } from 'node:fs/promises';
import { writeFileDurably } from '@vlm/storage/src/durable-file';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import {
  type ImportMode,
  applyDashboardImport,
  describeImport,
  exportDashboard,
  importSizeProblem,
  readDashboardExport,
} from '@vlm/webviews/src/store/dashboard-transfer';

export interface DashboardTransferHost {
  store(): Promise<DashboardStore>;
  /** The JSON file to import; undefined when the user cancels. */
  pickImportFile(): Promise<string | undefined>;
  /** Where to save the export; undefined when the user cancels. */
  pickExportFile(): Promise<string | undefined>;
  /** Replace everything or add what is missing; undefined when the user cancels. */
  pickMode(summary: string): Promise<ImportMode | undefined>;
  inform(message: string): void;
  fail(message: string): void;
}

export async function exportDashboardData(host: DashboardTransferHost): Promise<void> {
  const path = await host.pickExportFile();
  if (!path) return;
  try {
    const data = await (await host.store()).read();
    await writeFileDurably(path, exportDashboard(data));
    host.inform(
      `Exported the dashboard to ${path}: ${data.expenses.length} expense(s), ${data.tasks.length} task(s), ${data.tools.length} tool(s) and the rest.`,
    );
  } catch (error) {
    host.fail(`Could not export the dashboard to ${path}: ${(error as Error).message}`);
  }
}

export async function importDashboardData(host: DashboardTransferHost): Promise<void> {
  const path = await host.pickImportFile();
  if (!path) return;
  try {
    // Refused by its size before a byte is read.
    const size = importSizeProblem((await stat(path)).size);
    if (size) {
      host.fail(`Nothing was imported from ${path}: ${size}`);
      return;
    }
    const read = readDashboardExport(await readFile(path, 'utf8'));
    if (!read.ok) {
      host.fail(`Nothing was imported from ${path}: ${read.problem}.`);
      return;
    }
    const { data } = read;
    const upgraded = read.upgradedFrom ? ` (written as schema_version ${read.upgradedFrom}, upgraded)` : '';
    const summary = `${path}${upgraded} holds ${data.expenses.length} expense(s), ${data.budgets.length} budget(s), ${data.tasks.length} task(s), ${data.roadmaps.length} roadmap(s) and ${data.tools.length} tool(s).`;
    const mode = await host.pickMode(summary);
    if (!mode) return;
    const { result } = await (await host.store()).update((draft) => applyDashboardImport(draft, data, mode));
    host.inform(describeImport(result, path));
  } catch (error) {
    host.fail(`Nothing was imported from ${path}: ${(error as Error).message}`);
  }
}
