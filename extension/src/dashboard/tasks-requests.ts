// What the extension does with each message of a Tasks panel, without VS Code: check it against
// panel-messages.schema.json, apply it to the tasks and roadmaps of the dashboard store, and
// answer with the whole board (after a sync too: the host runs the GitHub sync). A message of the
// wrong shape is logged and dropped; nothing changes.
import { randomUUID } from 'node:crypto';
import type { TasksToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { type TaskChange, TasksUndoHistory, applyTaskChange, applyTasksUndo } from '@vlm/webviews/src/tasks/model/task-changes';
import type { DashboardData } from '@vlm/webviews/src/store/dashboard-data';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

export interface TasksRequestHost {
  store(): Promise<DashboardStore>;
  warn(line: string): void;
  /** The time stamped on changed tasks; the clock when not given. */
  now?(): Date;
  /** Syncs with GitHub (the Sync Tasks with GitHub command); settles once the sync has ended. */
  sync?(): Promise<void>;
}

export class TasksRequests {
  /** Undo is per panel: it reverses this panel's changes only. */
  private readonly history = new TasksUndoHistory();
  /** This panel's sync while it runs. */
  private running: Promise<void> | undefined;

  constructor(private readonly host: TasksRequestHost) {}

  /** The answer to post back. Never throws: failures become an `error` message. */
  async handle(raw: unknown): Promise<TasksToPanel> {
    const check = checkPanelMessage('TasksToExtension', raw);
    if (!check.ok) {
      this.host.warn(check.problem);
      return { type: 'error', message: `${check.problem} Nothing was changed.` };
    }
    const message = check.message;
    try {
      if (message.type === 'ready') return this.board(await (await this.host.store()).read());
      if (message.type === 'undo') return await this.undo();
      if (message.type === 'sync') return await this.sync();
      return await this.change(message);
    } catch (error) {
      return { type: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private board(data: DashboardData): TasksToPanel {
    return { type: 'board', tasks: data.tasks, roadmaps: data.roadmaps, canUndo: this.history.canUndo };
  }

  private now(): string {
    return (this.host.now?.() ?? new Date()).toISOString();
  }

  private async change(change: TaskChange): Promise<TasksToPanel> {
    const store = await this.host.store();
    const context = { newId: randomUUID, now: () => this.now() };
    const { result, data } = await store.update((draft) => applyTaskChange(draft, change, context));
    this.history.push(result);
    return this.board(data);
  }

  /**
   * The sync reports its own outcome; the panel gets the board as the sync left it. A press while
   * this panel's sync runs joins it: two syncs at once could each create the same new issue.
   */
  private async sync(): Promise<TasksToPanel> {
    const host = this.host;
    if (!host.sync) return { type: 'error', message: 'Sync with GitHub is not available in this window.' };
    this.running ??= host.sync().finally(() => {
      this.running = undefined;
    });
    await this.running;
    return this.board(await (await host.store()).read());
  }

  private async undo(): Promise<TasksToPanel> {
    const step = this.history.pop();
    const store = await this.host.store();
    if (!step) return this.board(await store.read());
    return this.board((await store.update((draft) => applyTasksUndo(draft, step, this.now()))).data);
  }
}
