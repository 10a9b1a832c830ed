// lowdb adapter for one JSON file, written with writeFileDurably.
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { writeFileDurably } from '@vlm/storage/src/durable-file';

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export class DurableJsonFile<T> implements Adapter<T> {
  constructor(readonly path: string) {}

  /** The parsed file; null when it does not exist. A file that is not JSON is a StateFileError. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new StateFileError(
        this.path,
        `The state file ${this.path} is corrupt (${(error as Error).message}); ${text.length} bytes. ` +
          'vlm-host leaves it untouched and will not start: restore it from a backup, or move it away ' +
          'to start with no recorded labs.',
      );
    }
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.path, `${JSON.stringify(data, null, 2)}\n`);
  }
}
