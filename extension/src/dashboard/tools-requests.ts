// What the extension does with each message of a Tools panel, without VS Code: check it against
// panel-messages.schema.json, apply it to the dashboard store, run health checks and open URLs
// after checking them again. A message of the wrong shape is logged and dropped; nothing changes.
import { randomUUID } from 'node:crypto';
import type { Tool, ToolsToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { UndoHistory } from '@vlm/webviews/src/expenses/model/expense-changes';
import { type HealthCheckOptions, checkToolsHealth } from '@vlm/webviews/src/tools/health/health-check';
import { toolsDueForCheck } from '@vlm/webviews/src/tools/model/tool-catalog-view';
import {
  type ToolChange,
  type ToolUndoStep,
  applyToolChange,
  recordHealth,
  undoToolChange,
} from '@vlm/webviews/src/tools/model/tool-changes';
import { toolUrlProblem } from '@vlm/webviews/src/tools/model/tool-url';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

/**
 * Opening the panel checks only tools with no result newer than this: a panel is opened, shown
 * again and reloaded often, and each check is a request to the user's own services, which should
 * not see one every time a tab is clicked. The result is stored, so the rule holds across windows
 * and reloads. "Check now" checks at once.
 */
export const checkOnOpenIntervalMs = 15 * 60 * 1000;

export interface ToolsRequestHost {
  store(): Promise<DashboardStore>;
  /** Opens a URL the extension has checked in the user's browser; false when refused. */
  openExternal(url: string): Promise<boolean>;
  /** Sends the panel news it did not ask for: the tools after a health check. */
  post(message: ToolsToPanel): void;
  warn(line: string): void;
  healthCheck?: Omit<HealthCheckOptions, 'signal'>;
  now?(): Date;
}

export class ToolsRequests {
  /** Undo is per panel: it reverses this panel's changes only. */
  private readonly history = new UndoHistory<ToolUndoStep>();
  private checking: Promise<void> | undefined;
  private readonly stopped = new AbortController();

  constructor(private readonly host: ToolsRequestHost) {}

  /** The answer to post back, if any. Never throws: failures become an `error` message. */
  async handle(raw: unknown): Promise<ToolsToPanel | undefined> {
    const check = checkPanelMessage('ToolsToExtension', raw);
    if (!check.ok) {
      this.host.warn(check.problem);
      return { type: 'error', message: `${check.problem} Nothing was changed.` };
    }
    const message = check.message;
    try {
      switch (message.type) {
        case 'ready':
          return await this.startCheck(await this.dueTools());
        case 'add':
        case 'edit':
        case 'delete':
          return await this.change(message);
        case 'undo':
          return await this.undo();
        case 'checkNow':
          return await this.startCheck((await this.read()).filter((tool) => tool.healthCheck));
        case 'open':
          return await this.open(message.id);
      }
    } catch (error) {
      return { type: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The health check running now, if any; resolves when its results are saved and posted. */
  settled(): Promise<void> {
    return this.checking ?? Promise.resolve();
  }

  /** Stops any running check (the panel closed). */
  dispose(): void {
    this.stopped.abort();
  }

  private async read(): Promise<Tool[]> {
    return (await (await this.host.store()).read()).tools;
  }

  private async dueTools(): Promise<Tool[]> {
    return toolsDueForCheck(await this.read(), this.host.now?.() ?? new Date(), checkOnOpenIntervalMs);
  }

  private async tools(): Promise<ToolsToPanel> {
    return { type: 'tools', tools: await this.read(), canUndo: this.history.canUndo, checking: this.checking !== undefined };
  }

  private async change(change: ToolChange): Promise<ToolsToPanel> {
    const store = await this.host.store();
    const { result } = await store.update((draft) => applyToolChange(draft.tools, change, randomUUID));
    this.history.push(result);
    return await this.tools();
  }

  private async undo(): Promise<ToolsToPanel> {
    const step = this.history.pop();
    if (step) await (await this.host.store()).update((draft) => undoToolChange(draft.tools, step));
    return await this.tools();
  }

  /** Starts checking `targets` unless a check runs already; answers at once with the tools. */
  private async startCheck(targets: Tool[]): Promise<ToolsToPanel> {
    if (!this.checking && targets.length > 0) {
      const store = await this.host.store();
      const options = { ...this.host.healthCheck, signal: this.stopped.signal, now: this.host.now };
      this.checking = checkToolsHealth(targets, options, async (tool, health) => {
        await store.update((draft) => recordHealth(draft.tools, tool.id, tool.url, health));
      })
        .catch((error: unknown) => this.host.warn(`The health check failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(async () => {
          this.checking = undefined;
          if (!this.stopped.signal.aborted) this.host.post(await this.tools().catch((error: unknown) => errorMessage(error)));
        });
    }
    return await this.tools();
  }

  private async open(id: string): Promise<ToolsToPanel | undefined> {
    const tool = (await this.read()).find((candidate) => candidate.id === id);
    if (!tool) return { type: 'error', message: `The tool ${id} was not opened: it no longer exists.` };
    // The stored file may have been edited by hand: the URL is checked again before the browser sees it.
    const problem = toolUrlProblem(tool.url);
    if (problem) return { type: 'error', message: `The URL of ${tool.name} was not opened: ${problem}.` };
    if (!(await this.host.openExternal(tool.url))) return { type: 'error', message: `The URL of ${tool.name} was not opened.` };
    return undefined;
  }
}

function errorMessage(error: unknown): ToolsToPanel {
  return { type: 'error', message: error instanceof Error ? error.message : String(error) };
}
