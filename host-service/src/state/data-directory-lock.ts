// One service per data directory: a lock file holding the owner's pid. A lock whose pid is dead
// (the service was killed) is taken over; a live one makes the second service refuse to start.
import { type PidLock, tryPidLock } from '@vlm/storage/src/pid-lock';
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

export type DataDirectoryLock = PidLock;

export function acquireDataDirectoryLock(directory: string, log: (line: string) => void): DataDirectoryLock {
  const attempt = tryPidLock(join(directory, lockFileName), log);
  if ('heldBy' in attempt) throw new DataDirectoryLockedError(directory, attempt.heldBy, attempt.path);
  return attempt.lock;
}
