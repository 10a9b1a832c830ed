// What the extension does with the Budgets section's messages, without VS Code: check each against
// panel-messages.schema.json, apply it to the dashboard store, and answer with every budget and
// rate. Bad input is answered with the field that was wrong; nothing is saved.
import { randomUUID } from 'node:crypto';
import type { ExpensesToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { deleteBudget, deleteRate, saveBudget, saveRate } from '@vlm/webviews/src/expenses/model/budget-changes';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

const budgetMessageTypes: ReadonlySet<unknown> = new Set(['saveBudget', 'deleteBudget', 'saveRate', 'deleteRate']);

/** Whether a message from the Expenses panel is the Budgets section's (it is checked in `handle`). */
export function isBudgetRequest(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && budgetMessageTypes.has((raw as { type?: unknown }).type);
}

export interface BudgetRequestHost {
  store(): Promise<DashboardStore>;
  warn(line: string): void;
}

export class BudgetRequests {
  constructor(private readonly host: BudgetRequestHost) {}

  /** The answer to post back. Never throws: failures become an `error` message. */
  async handle(raw: unknown): Promise<ExpensesToPanel> {
    const check = checkPanelMessage('ExpensesToExtension', raw);
    if (!check.ok) {
      this.host.warn(check.problem);
      return { type: 'error', message: `${check.problem} Nothing was changed.` };
    }
    const message = check.message;
    try {
      const store = await this.host.store();
      switch (message.type) {
        case 'saveBudget': {
          const { result } = await store.update((draft) => saveBudget(draft, message.id, message.fields, randomUUID));
          return await this.state(result.id);
        }
        case 'deleteBudget':
          await store.update((draft) => deleteBudget(draft, message.id));
          break;
        case 'saveRate':
          await store.update((draft) => saveRate(draft, message.rate));
          break;
        case 'deleteRate':
          await store.update((draft) => deleteRate(draft, message.from, message.to));
          break;
        default:
          return { type: 'error', message: `The Budgets section does not handle "${message.type}" messages.` };
      }
      return await this.state();
    } catch (error) {
      return { type: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Every budget and rate as the file holds them now; `focus` names the budget to bring into view. */
  async state(focus?: string): Promise<ExpensesToPanel> {
    const data = await (await this.host.store()).read();
    const answer: ExpensesToPanel = { type: 'budgets', budgets: data.budgets, exchangeRates: data.exchangeRates };
    if (focus !== undefined && data.budgets.some((budget) => budget.id === focus)) answer.focus = focus;
    return answer;
  }
}
