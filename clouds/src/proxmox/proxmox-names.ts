// Node names, VM ids and task ids come from settings and from API answers, and all of them end up
// in URLs: each is checked here, once, before it is used. A value that fails is refused, not fixed.
import { CloudError } from '../cloud-errors.js';

/** PVE's `pve-node` format: a DNS label. */
const nodePattern = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** PVE's `pve-vmid` range. */
export const vmidRange = { min: 100, max: 999_999_999 } as const;
/** `UPID:node:pid:pstart:starttime:type:id:user:` (PVE::UPID), hex fields as PVE writes them. */
const upidPattern =
  /^UPID:([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?):[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:[0-9A-Fa-f]{8}:[^:\s/]+:[^:\s/]*:[^:\s/]+:$/;
/**
 * `user@realm`: a user name in printable ASCII without `:`, `/`, `@`, `!` (PVE's own limits) or
 * `;`, `=`, `,`, quotes and backslashes (they would change the header or form it travels in), and
 * a `pve-realm`.
 */
const userPattern = /^[^:/@!;=,"'\\]{1,64}@[A-Za-z][A-Za-z0-9._-]{1,31}$/;
/** `user@realm!name`: a user and a token name (`pve-tokenid`). */
const tokenPattern = /^[^:/@!;=,"'\\]{1,64}@[A-Za-z][A-Za-z0-9._-]{1,31}![A-Za-z][A-Za-z0-9._-]{1,63}$/;
const printableAscii = /^[\x21-\x7e]+$/;

/** A value as it may be shown in a message: quoted, short, control characters escaped. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value)) ?? '""';
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** Where a value came from decides the error: settings and callers give invalidInput, answers give malformed. */
export type Origin = 'input' | 'answer';

function refuse(origin: Origin, message: string): CloudError {
  if (origin === 'input') return new CloudError('invalidInput', 'proxmox', message);
  return new CloudError('malformed', 'proxmox', `the server answered ${message}`, {
    hint: 'The value was refused, not followed; check the Proxmox server (or whatever answers at its address).',
  });
}

export function checkNode(value: unknown, origin: Origin): string {
  if (typeof value === 'string' && nodePattern.test(value)) return value;
  throw refuse(origin, `a node name ${quoted(value)} that is not a Proxmox node name (letters, digits and '-', up to 63)`);
}

export function checkVmid(value: unknown, origin: Origin): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isInteger(number) && number >= vmidRange.min && number <= vmidRange.max) return number;
  throw refuse(origin, `a VM id ${quoted(value)} that is not an integer from ${vmidRange.min} to ${vmidRange.max}`);
}

/** A task id, which must also belong to the node it is polled on. */
export function checkUpid(value: unknown, node: string, origin: Origin): string {
  const match = typeof value === 'string' ? upidPattern.exec(value) : null;
  if (match === null) throw refuse(origin, `a task id ${quoted(value)} that is not a UPID (UPID:node:pid:pstart:starttime:type:id:user:)`);
  if (match[1] !== node) throw refuse(origin, `a task id ${quoted(value)} of node ${quoted(match[1])}, not of ${quoted(node)}`);
  return value as string;
}

export function isUser(value: string): boolean {
  return printableAscii.test(value) && userPattern.test(value);
}

export function isTokenId(value: string): boolean {
  return printableAscii.test(value) && tokenPattern.test(value);
}
