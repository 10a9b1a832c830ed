// Another VS Code window changed the dashboard: its panels in this window should show it. Watches
// the file's folder (a write replaces the file by rename, which a watch on the file itself would
// lose), re-reads on each change and tells the listener, except for this process's own writes,
// whose callers already have the data. Changes that arrive while one is read are read once after.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { DashboardData } from './dashboard-data';
import { type DashboardStore, writtenByThisProcess } from './dashboard-store';

export interface DashboardWatcher {
  close(): void;
}

export function watchDashboardFile(
  store: DashboardStore,
  onChange: (data: DashboardData) => void,
  onError: (error: Error) => void,
): DashboardWatcher {
  const name = basename(store.path);
  let lastSeen = textOf(store.path);
  let reading = false;
  let pending = false;
  let closed = false;
  const check = async () => {
    if (reading) {
      pending = true;
      return;
    }
    reading = true;
    try {
      do {
        pending = false;
        const text = await readFile(store.path, 'utf8').catch(() => undefined);
        if (text === undefined || text === lastSeen) continue;
        lastSeen = text;
        if (writtenByThisProcess(store.path, text)) continue;
        onChange(await store.read());
      } while (pending && !closed);
    } catch (error) {
      onError(error as Error);
    } finally {
      reading = false;
    }
  };
  const watcher: FSWatcher = watch(dirname(store.path), { persistent: false }, (_event, file) => {
    if (!closed && (file === null || file === name)) void check();
  });
  watcher.on('error', (error) => onError(error));
  return {
    close: () => {
      closed = true;
      watcher.close();
    },
  };
}

function textOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
