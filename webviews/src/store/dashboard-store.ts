// The dashboard's data: one JSON file in the extension's global storage, shared by every VS Code
// window. Each update takes a pid lock, re-reads the file, changes it and writes it durably, so
// two windows writing at once lose nothing, and a killed writer leaves the old or the new file.
import { mkdir, readFile } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { removeLeftoverTemporaryFiles, syncDirectory, writeFileDurably } from '@vlm/storage/src/durable-file';
import { tryPidLock } from '@vlm/storage/src/pid-lock';
import { currentSchemaVersion, type DashboardData, dashboardDataProblem, migrate, schemaVersionOf } from './dashboard-data';

export const dashboardFileName = 'dashboard.json';

/** A process waiting for the lock tries again after at most this long. */
const lockPollMaxMs = 10;

/** The text this process last wrote to each dashboard file, so a watcher can tell its own writes. */
const writtenHere = new Map<string, string>();

/** Whether `text` is what this process (any of its stores) last wrote to the file at `path`. */
export function writtenByThisProcess(path: string, text: string): boolean {
  return writtenHere.get(path) === text;
}

export class DashboardStoreError extends Error {
  override readonly name = 'DashboardStoreError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DashboardStoreOptions {
  /** The folder of the file: the extension's global storage. */
  directory: string;
  log?: (line: string) => void;
  /** How long an update waits for another process's lock; 10 s when not given. */
  lockTimeoutMs?: number;
}

export class DashboardStore {
  private queue: Promise<unknown> = Promise.resolve();
  private lockReleasedAt = Number.NEGATIVE_INFINITY;
  /** The file's text as this process last checked it, and its data: unchanged text needs no second check. */
  private checked: { text: string; data: DashboardData } | undefined;

  private constructor(
    readonly path: string,
    private readonly log: (line: string) => void,
    private readonly lockTimeoutMs: number,
  ) {}

  /** Creates or upgrades the file; refuses (leaving it untouched) one that is corrupt or newer. */
  static async open(options: DashboardStoreOptions): Promise<DashboardStore> {
    await mkdir(options.directory, { recursive: true, mode: 0o700 });
    const store = new DashboardStore(
      join(options.directory, dashboardFileName),
      options.log ?? (() => undefined),
      options.lockTimeoutMs ?? 10_000,
    );
    await store.locked(async () => {
      for (const leftover of await removeLeftoverTemporaryFiles(store.path)) {
        store.log(`Removed ${leftover}, an unfinished write of a window that was closed or killed.`);
      }
      await store.load(true);
    });
    return store;
  }

  /** The file as it is now: another window may have changed it since the last update. */
  async read(): Promise<DashboardData> {
    // Writes replace the file by rename, so a read without the lock still sees one whole version.
    return (await this.load(false)).data;
  }

  /**
   * Runs `change` on the file's current data, under the lock, and writes the result durably.
   * When `change` throws, or the result is invalid, nothing is written.
   */
  update<T>(change: (draft: DashboardData) => T): Promise<{ result: T; data: DashboardData }> {
    const run = () =>
      this.locked(async () => {
        const draft = structuredClone((await this.load(true)).data);
        const result = change(draft);
        draft.revision += 1;
        const problem = dashboardDataProblem(draft);
        if (problem !== undefined)
          throw new DashboardStoreError(this.path, `Refused to save the dashboard: ${problem}. Nothing was saved.`);
        const text = `${JSON.stringify(draft, null, 2)}\n`;
        // Before the write: a watcher may see the renamed file before writeFileDurably returns.
        writtenHere.set(this.path, text);
        await writeFileDurably(this.path, text);
        this.checked = { text, data: structuredClone(draft) };
        return { result, data: draft };
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for this process's queued updates. */
  async close(): Promise<void> {
    await this.queue;
  }

  private async locked<T>(action: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.lockTimeoutMs;
    // Taking the lock again at once would starve another window's waiting update: it only tries
    // between pauses. Holding off one whole pause after our release lets its next try land.
    const sinceRelease = performance.now() - this.lockReleasedAt;
    if (sinceRelease <= lockPollMaxMs) await delay(lockPollMaxMs + 1 - sinceRelease);
    for (;;) {
      const attempt = tryPidLock(`${this.path}.lock`, this.log);
      if ('lock' in attempt) {
        try {
          return await action();
        } finally {
          attempt.lock.release();
          this.lockReleasedAt = performance.now();
        }
      }
      if (Date.now() > deadline) {
        throw new DashboardStoreError(
          this.path,
          `Another process (pid ${attempt.heldBy}) held ${attempt.path} for over ${this.lockTimeoutMs / 1000} s, so nothing was saved. ` +
            `If pid ${attempt.heldBy} is not a VS Code window, delete ${attempt.path}.`,
        );
      }
      // An update holds the lock for milliseconds; a random pause keeps two waiters from stepping in time.
      await delay(2 + Math.random() * (lockPollMaxMs - 2));
    }
  }

  /** Reads, checks and upgrades the file; with `write`, saves the upgrade (the caller holds the lock). */
  private async load(write: boolean): Promise<{ data: DashboardData }> {
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined && text === this.checked?.text) return { data: structuredClone(this.checked.data) };
    let found: unknown = null;
    if (text !== undefined) {
      try {
        found = JSON.parse(text);
      } catch (error) {
        throw this.untouched(`is not JSON (${(error as Error).message})`);
      }
    }
    const version = found === null ? 0 : schemaVersionOf(found);
    if (typeof version === 'string') throw this.untouched(version);
    if (version > currentSchemaVersion) {
      throw new DashboardStoreError(
        this.path,
        `${this.path} has schema_version ${version}, written by a newer Virtual Lab Manager; this one understands versions up to ` +
          `${currentSchemaVersion}. It is left untouched and nothing is saved: update the extension in this window.`,
      );
    }
    const { data, applied } = migrate(found, version);
    const problem = dashboardDataProblem(data);
    if (problem !== undefined) throw this.untouched(problem);
    if (text !== undefined && applied.length === 0) this.checked = { text, data: structuredClone(data as DashboardData) };
    if (applied.length > 0 && write) {
      if (found !== null) {
        // Keep what the older version wrote, in case the upgrade has to be undone by hand.
        const backup = `${this.path}.v${version}.bak`;
        await copyFile(this.path, backup);
        await syncDirectory(join(this.path, '..'));
        this.log(`Upgraded ${this.path} from schema_version ${version} to ${currentSchemaVersion}; the old file is ${backup}.`);
      }
      const upgradedText = `${JSON.stringify(data, null, 2)}\n`;
      writtenHere.set(this.path, upgradedText);
      await writeFileDurably(this.path, upgradedText);
    }
    return { data: data as DashboardData };
  }

  private untouched(problem: string): DashboardStoreError {
    return new DashboardStoreError(
      this.path,
      `The dashboard file ${this.path} is corrupt: ${problem}. It is left untouched and nothing is saved: ` +
        'restore it from a backup, or move it away to start with no expenses.',
    );
  }
}
