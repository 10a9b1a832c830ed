// A lock file holding its owner's pid. A lock whose pid is dead (its process was killed) is taken
// over; a live one is reported, and the caller decides whether to refuse or to wait.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export interface PidLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** Either the lock, or the pid of the live process that holds it (and the file that says so). */
export type PidLockAttempt = { lock: PidLock } | { heldBy: number; path: string };

export function isProcessAlive(pid: number): boolean {
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

let temporaryCounter = 0;

/**
 * Creates `path` holding our pid, atomically: the pid goes to a private file first, then link(2)
 * publishes it, so nobody ever reads a half-written lock. False when `path` already exists.
 */
function publish(path: string, contents: string): boolean {
  temporaryCounter += 1;
  const temporary = `${path}.${process.pid}.${temporaryCounter}.tmp`;
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

/** Takes the lock at `path`, taking over a stale one (logged); never waits. */
export function tryPidLock(path: string, log: (line: string) => void): PidLockAttempt {
  const guard = `${path}.takeover`;
  const own = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (publish(path, own)) return { lock: makeLock(path, own) };
    const owner = readOwner(path);
    if (owner === undefined) continue; // released meanwhile: try again
    // Our own pid: another holder in this process.
    if (Number.isInteger(owner) && (owner === process.pid || isProcessAlive(owner))) return { heldBy: owner, path };
    // Stale. Only the holder of the takeover guard replaces it, so two processes cannot both take it over.
    if (!publish(guard, own)) {
      const guardOwner = readOwner(guard);
      if (guardOwner !== undefined && Number.isInteger(guardOwner) && isProcessAlive(guardOwner)) {
        return { heldBy: guardOwner, path: guard };
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
      // Object.is: an unreadable owner (NaN) must match itself.
      if (Object.is(readOwner(path), owner)) {
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, own, { mode: 0o600 });
        renameSync(temporary, path);
        log(
          Number.isNaN(owner)
            ? `Replaced an unreadable lock file ${path}.`
            : `Took over the stale lock ${path} of pid ${owner}, which is no longer running.`,
        );
        return { lock: makeLock(path, own) };
      }
    } finally {
      unlinkSync(guard);
    }
  }
  throw new Error(`Could not take the lock ${path}: the lock file keeps changing.`);
}

function makeLock(path: string, own: string): PidLock {
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
