// What the extension does with each message of an Expenses panel, without VS Code: check it
// against panel-messages.schema.json, apply it to the dashboard store, and answer with the
// entries. A message of the wrong shape is logged and dropped; nothing changes.
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import type { ExpensesToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { type ExpenseChange, UndoHistory, applyExpenseChange, applyUndo } from '@vlm/webviews/src/expenses/model/expense-changes';
import { csvSizeProblem, exportExpensesCsv, importExpensesCsv } from '@vlm/webviews/src/expenses/model/expense-csv';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

export interface ExpensesRequestHost {
  store(): Promise<DashboardStore>;
  /** The CSV file the user picks to import; undefined when they cancel. */
  pickImportFile(): Promise<string | undefined>;
  /** Where the user saves the export; undefined when they cancel. */
  pickExportFile(): Promise<string | undefined>;
  /** Tells the user something went well (an import's count, an export's file). */
  inform(message: string): void;
  warn(line: string): void;
}

/** Bad rows shown at most in one message; the count says how many more. */
const shownProblems = 20;

export class ExpensesRequests {
  /** Undo is per panel: it reverses this panel's changes only. */
  private readonly history = new UndoHistory();

  constructor(private readonly host: ExpensesRequestHost) {}

  /** The answer to post back, if any. Never throws: failures become an `error` message. */
  async handle(raw: unknown): Promise<ExpensesToPanel | undefined> {
    const check = checkPanelMessage('ExpensesToExtension', raw);
    if (!check.ok) {
      this.host.warn(check.problem);
      return { type: 'error', message: `${check.problem} Nothing was changed.` };
    }
    const message = check.message;
    try {
      switch (message.type) {
        case 'ready':
          return await this.entries();
        case 'add':
        case 'edit':
        case 'delete':
          return await this.change(message);
        case 'undo':
          return await this.undo();
        case 'importCsv':
          return await this.importCsv();
        case 'exportCsv':
          return await this.exportCsv();
      }
    } catch (error) {
      return { type: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  async entries(): Promise<ExpensesToPanel> {
    const data = await (await this.host.store()).read();
    return { type: 'entries', entries: data.expenses, canUndo: this.history.canUndo };
  }

  private async change(change: ExpenseChange): Promise<ExpensesToPanel> {
    const store = await this.host.store();
    const { result, data } = await store.update((draft) => applyExpenseChange(draft.expenses, change, randomUUID));
    this.history.push(result);
    return { type: 'entries', entries: data.expenses, canUndo: this.history.canUndo };
  }

  private async undo(): Promise<ExpensesToPanel> {
    const step = this.history.pop();
    if (!step) return await this.entries();
    const { data } = await (await this.host.store()).update((draft) => applyUndo(draft.expenses, step));
    return { type: 'entries', entries: data.expenses, canUndo: this.history.canUndo };
  }

  private async importCsv(): Promise<ExpensesToPanel | undefined> {
    const path = await this.host.pickImportFile();
    if (!path) return undefined;
    // Refused by its size before a byte is read.
    const size = csvSizeProblem((await stat(path)).size);
    if (size) return { type: 'error', message: size };
    const result = importExpensesCsv(await readFile(path, 'utf8'));
    if (!result.ok) {
      const lines = result.problems
        .slice(0, shownProblems)
        .map((problem) => `Row ${problem.row}${problem.field ? `, ${problem.field}` : ''}: ${problem.message}.`);
      if (result.problems.length > shownProblems) lines.push(`And ${result.problems.length - shownProblems} more.`);
      return { type: 'error', message: `Nothing was imported from ${path}: ${lines.join(' ')}` };
    }
    const answer = await this.change({ type: 'import', rows: result.rows });
    this.host.inform(`Imported ${result.rows.length} expense(s) from ${path}.`);
    return answer;
  }

  private async exportCsv(): Promise<ExpensesToPanel | undefined> {
    const path = await this.host.pickExportFile();
    if (!path) return undefined;
    const { expenses } = await (await this.host.store()).read();
    await writeFile(path, exportExpensesCsv(expenses));
    this.host.inform(`Exported ${expenses.length} expense(s) to ${path}.`);
    return undefined;
  }
}
