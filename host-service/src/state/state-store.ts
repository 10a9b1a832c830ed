// The host service's durable state: one JSON file in the data directory, read through lowdb,
// written durably, one write at a time. A write's promise resolves only once it is on disk.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { acquireDataDirectoryLock, type DataDirectoryLock } from './data-directory-lock';
import { ensureDataFolder, secureDataDirectory } from './data-directory-modes';
import { removeLeftoverTemporaryFiles, syncDirectory } from '@vlm/storage/src/durable-file';
import { DurableJsonFile, StateFileError } from './durable-json-file';
import { migrate } from './migrations';
import { currentSchemaVersion, type HostState } from './state-shape';
import { stateProblem } from './state-validation';

export { StateFileError } from './durable-json-file';
export const stateFileName = 'state.json';

export interface StateStoreOptions {
  dataDirectory: string;
  log?: (line: string) => void;
}

type DeepReadonly<T> = T extends (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
    : T;

export type ReadonlyHostState = DeepReadonly<HostState>;

export class StateStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly database: Low<HostState>,
    private readonly lock: DataDirectoryLock,
    readonly path: string,
  ) {}

  /**
   * Locks the data directory, then loads the state file, creating or upgrading it as needed.
   * Refuses (and leaves the file alone) when it is corrupt or from a newer version.
   */
  static async open(options: StateStoreOptions): Promise<StateStore> {
    const log = options.log ?? (() => undefined);
    // Others may pass through (QEMU must reach images below it) but not list it; the state file is 0600.
    await ensureDataFolder(options.dataDirectory, '');
    const lock = acquireDataDirectoryLock(options.dataDirectory, log);
    try {
      await secureDataDirectory(options.dataDirectory, log);
      const path = join(options.dataDirectory, stateFileName);
      for (const leftover of await removeLeftoverTemporaryFiles(path)) {
        log(`Removed ${leftover}, an unfinished write of a previous run.`);
      }
      const file = new DurableJsonFile<HostState>(path);
      const found: unknown = await file.read();
      const version = found === null ? 0 : schemaVersionOf(found, path);
      if (version > currentSchemaVersion) {
        throw new StateFileError(
          path,
          `The state file ${path} has schema_version ${version}, written by a newer vlm-host; this one ` +
            `understands versions up to ${currentSchemaVersion}. It is left untouched: run the newer vlm-host.`,
        );
      }
      const { data, applied } = migrate(found, version);
      const problem = stateProblem(data);
      if (problem !== undefined) {
        throw new StateFileError(
          path,
          `The state file ${path} is corrupt: ${problem}. vlm-host leaves it untouched and will not start: ` +
            'restore it from a backup, or move it away to start with no recorded labs.',
        );
      }
      if (applied.length > 0) {
        if (found !== null) {
          // Keep what the older version wrote, in case the upgrade has to be undone by hand.
          const backup = `${path}.v${version}.bak`;
          await copyFile(path, backup);
          await syncDirectory(options.dataDirectory);
          log(`Upgraded ${path} from schema_version ${version} to ${currentSchemaVersion}; the old file is ${backup}.`);
        }
        await file.write(data as HostState);
      }
      return new StateStore(new Low<HostState>(file, data as HostState), lock, path);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The state as of the last acknowledged write. Change it only through `update`. */
  get state(): ReadonlyHostState {
    return this.database.data;
  }

  /**
   * Runs `change` on a copy of the state, writes the copy durably, then makes it current.
   * Resolves with `change`'s result after the write is on disk. When `change` throws or the write
   * fails, the state stays as it was.
   */
  update<T>(change: (draft: HostState) => T): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('The state store is closed.');
      const draft = structuredClone(this.database.data);
      const result = change(draft);
      const problem = stateProblem(draft);
      if (problem !== undefined) throw new Error(`Refusing to write an invalid state: ${problem}.`);
      await this.database.adapter.write(draft);
      this.database.data = draft;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Reserves `count` event sequence numbers; returns the first. They are never handed out again. */
  reserveEventSequences(count: number): Promise<number> {
    return this.update((draft) => {
      const first = draft.event_sequence + 1;
      draft.event_sequence += count;
      return first;
    });
  }

  /** Waits for queued writes, then releases the data directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.lock.release();
  }
}

function schemaVersionOf(data: unknown, path: string): number {
  const version =
    typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>).schema_version : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new StateFileError(
      path,
      `The state file ${path} has no valid schema_version (found ${JSON.stringify(version) ?? 'nothing'}). ` +
        'vlm-host leaves it untouched and will not start: restore it from a backup, or move it away.',
    );
  }
  return version;
}
