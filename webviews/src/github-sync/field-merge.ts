// The rule when both sides changed since the last sync, written once: per field, a digest of the
// value as last synced (kept in GithubLink.syncedHash) tells which side changed it; a field only
// one side changed takes that side's value; a field both changed to different values takes the
// value of the side whose record was updated later, and GitHub's on a tie.
import { createHash } from 'node:crypto';

/** A field's values on both sides; `remote` is absent when GitHub answered 304 (unchanged). */
export interface FieldSides {
  readonly local: unknown;
  readonly remote?: unknown;
}

export type Side = 'local' | 'github';

export interface FieldMerge<F extends string> {
  /** The value each field has after the sync. */
  readonly values: Record<F, unknown>;
  /** Fields whose value GitHub must be sent. */
  readonly toGithub: F[];
  /** Fields whose value the local record must take. */
  readonly toLocal: F[];
  /** Fields both sides changed to different values, and the side that won. */
  readonly conflicts: { field: F; winner: Side }[];
  /** The digest to keep as GithubLink.syncedHash. */
  readonly syncedHash: string;
}

const hashVersion = 'v1';
const digestLength = 8;

function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('hex')
    .slice(0, digestLength);
}

/** The syncedHash of these values: one short digest per field, in the fields' order. */
export function syncedHashOf<F extends string>(fields: readonly F[], values: Record<F, unknown>): string {
  return `${hashVersion}:${fields.map((field) => digest(values[field])).join('.')}`;
}

function baseDigests(fields: readonly string[], syncedHash: string | undefined): string[] | undefined {
  const [version, digests] = (syncedHash ?? '').split(':');
  const parts = digests?.split('.') ?? [];
  return version === hashVersion && parts.length === fields.length ? parts : undefined;
}

/**
 * Merges one record's fields. Without a usable syncedHash (never synced, or another layout) both
 * sides count as changed, so the later one wins each differing field.
 */
export function mergeFields<F extends string>(
  fields: readonly F[],
  sides: Record<F, FieldSides>,
  syncedHash: string | undefined,
  later: Side,
): FieldMerge<F> {
  const base = baseDigests(fields, syncedHash);
  const values = {} as Record<F, unknown>;
  const toGithub: F[] = [];
  const toLocal: F[] = [];
  const conflicts: { field: F; winner: Side }[] = [];
  for (const [index, field] of fields.entries()) {
    const { local, remote } = sides[field];
    const remoteKnown = 'remote' in sides[field];
    const localDigest = digest(local);
    const localChanged = base === undefined || localDigest !== base[index];
    const remoteChanged = remoteKnown && (base === undefined || digest(remote) !== base[index]);
    const same = remoteKnown && digest(remote) === localDigest;
    let winner: Side | undefined;
    if (same || (!localChanged && !remoteChanged)) winner = undefined;
    else if (localChanged && !remoteChanged) winner = 'local';
    else if (remoteChanged && !localChanged) winner = 'github';
    else {
      winner = later;
      conflicts.push({ field, winner });
    }
    values[field] = winner === 'github' ? remote : local;
    if (winner === 'local') toGithub.push(field);
    if (winner === 'github') toLocal.push(field);
  }
  return { values, toGithub, toLocal, conflicts, syncedHash: syncedHashOf(fields, values) };
}

/** Which record was updated later; GitHub on a tie or when a time is missing. */
export function laterSide(localUpdatedAt: string | undefined, githubUpdatedAt: string | undefined): Side {
  if (localUpdatedAt === undefined || githubUpdatedAt === undefined) return 'github';
  return Date.parse(localUpdatedAt) > Date.parse(githubUpdatedAt) ? 'local' : 'github';
}
