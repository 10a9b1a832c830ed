// One service per data directory: a lock file holding the owner's pid. A lock whose pid is dead
// (the service was killed) is taken over; a live one makes the second service refuse to start.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const lockFileName = 'vlm-host.lock';

export class DataDirectoryLockedError extends Error {
  override readonly name = 'DataDirectoryLockedError';
  constructor(
    readonly directory: string,
    readonly ownerPid: number,
    readonly lockPath: string,
  ) {
    super(
      `Another vlm-host (pid ${ownerPid}) is using the data directory ${directory}. ` +
        `Stop that process first, or use another --data-dir. ` +
        `If pid ${ownerPid} is not a vlm-host, delete ${lockPath}.`,
    );
  }
}

export interface DataDirectoryLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file; undefined when the file is missing. NaN when unreadable. */
function readOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return /^\d+\n?$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
}

/**
 * Creates `path` holding our pid, atomically: the pid goes to a private file first, then link(2)
 * publishes it, so nobody ever reads a half-written lock. False when `path` already exists.
 */
function publish(path: string, contents: string): boolean {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

export function acquireDataDirectoryLock(directory: string, log: (line: string) => void): DataDirectoryLock {
  const path = join(directory, lockFileName);
  const guard = `${path}.takeover`;
  const own = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (publish(path, own)) return makeLock(path, own);
    const owner = readOwner(path);
    if (owner === undefined) continue; // released meanwhile: try again
    if (Number.isInteger(owner) && owner !== process.pid && isProcessAlive(owner)) {
      throw new DataDirectoryLockedError(directory, owner, path);
    }
    if (owner === process.pid) throw new DataDirectoryLockedError(directory, owner, path);
    // Stale. Only the holder of the takeover guard replaces it, so two starting services
    // cannot both take it over.
    if (!publish(guard, own)) {
      const guardOwner = readOwner(guard);
      if (guardOwner !== undefined && Number.isInteger(guardOwner) && isProcessAlive(guardOwner)) {
        throw new DataDirectoryLockedError(directory, guardOwner, guard);
      }
      // A takeover that died half-way.
      try {
        unlinkSync(guard);
      } catch {
        // someone else removed it
      }
      continue;
    }
    try {
      if (readOwner(path) === owner) {
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, own, { mode: 0o600 });
        renameSync(temporary, path);
        log(
          Number.isNaN(owner)
            ? `Replaced an unreadable lock file ${path}.`
            : `Took over the stale lock ${path} of pid ${owner}, which is no longer running.`,
        );
        return makeLock(path, own);
      }
    } finally {
      unlinkSync(guard);
    }
  }
  throw new Error(`Could not lock the data directory ${directory}: the lock file ${path} keeps changing.`);
}

function makeLock(path: string, own: string): DataDirectoryLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        if (readFileSync(path, 'utf8') === own) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
