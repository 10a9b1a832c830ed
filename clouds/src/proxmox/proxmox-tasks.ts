// Following a PVE task (UPID) to its end: poll its status, each wait longer, until it has
// stopped, then its exit status says how it went ("OK", "WARNINGS: n", or the error itself).
import { CloudError, type CloudErrorKind } from '../cloud-errors.js';
import type { PowerAction } from '../cloud-provider.js';
import type { ProxmoxClient } from './proxmox-client.js';
import { objectOf } from './proxmox-instances.js';

export interface TaskToFollow {
  node: string;
  upid: string;
  vmid: number;
  action: PowerAction;
  signal?: AbortSignal;
  /** The first wait; each next one is 1.6 times longer, up to 5 s. */
  firstPollMs?: number;
}

const maximumPollMs = 5_000;

function pause(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The kind of failure an exit status means, by PVE's own wording. */
function failureKind(exitstatus: string): CloudErrorKind {
  if (/already running|not running|is running|is locked|can't lock/i.test(exitstatus)) return 'wrongState';
  if (/does not exist|no such/i.test(exitstatus)) return 'notFound';
  if (/permission|not allowed/i.test(exitstatus)) return 'permission';
  return 'provider';
}

/** Resolves when the task ends well; rejects with a CloudError carrying its exit status when not. */
export async function followTask(call: ProxmoxClient['call'], task: TaskToFollow): Promise<void> {
  const path = `/nodes/${task.node}/tasks/${encodeURIComponent(task.upid)}/status`;
  let wait = task.firstPollMs ?? 500;
  for (;;) {
    const status = objectOf(await call('GET', path, { signal: task.signal }), `GET /nodes/${task.node}/tasks/…/status`);
    if (status.upid !== undefined && status.upid !== task.upid)
      throw new CloudError('malformed', 'proxmox', 'the task status answered about another task');
    if (status.status === 'stopped') {
      const exitstatus = typeof status.exitstatus === 'string' ? status.exitstatus.trim() : '';
      if (exitstatus === 'OK' || exitstatus.startsWith('WARNINGS')) return;
      const said = exitstatus === '' ? 'no exit status' : exitstatus.slice(0, 300);
      throw new CloudError(failureKind(exitstatus), 'proxmox', `${task.action} of VM ${task.vmid} on ${task.node} failed: ${said}`, {
        code: said,
        hint: `The task log on ${task.node} (Task History) tells more: ${task.upid}`,
      });
    }
    if (status.status !== 'running') throw new CloudError('malformed', 'proxmox', `the task status answered neither running nor stopped`);
    await pause(wait, task.signal);
    wait = Math.min(maximumPollMs, wait * 1.6);
  }
}
