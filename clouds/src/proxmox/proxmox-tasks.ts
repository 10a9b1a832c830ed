// Following a PVE task (UPID) to its end with the shared backoff of operation-polling.ts: poll its
// status until it has stopped; then its exit status says how it went ("OK", "WARNINGS: n", or the
// error itself).
import { CloudError, type CloudErrorKind } from '../cloud-errors.js';
import type { PowerAction } from '../cloud-provider.js';
import { pollUntilDone } from '../operation-polling.js';
import type { ProxmoxClient } from './proxmox-client.js';
import { objectOf } from './proxmox-instances.js';

export interface TaskToFollow {
  node: string;
  upid: string;
  vmid: number;
  action: PowerAction;
  signal?: AbortSignal;
  /** The first wait (default 1 s); each next one is 1.5 times longer, up to 15 s. */
  firstPollMs?: number;
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
  const exitstatus = await pollUntilDone<string>(
    async (signal) => {
      const status = objectOf(await call('GET', path, { signal }), `GET /nodes/${task.node}/tasks/…/status`);
      if (status.upid !== undefined && status.upid !== task.upid)
        throw new CloudError('malformed', 'proxmox', 'the task status answered about another task');
      if (status.status === 'running') return { done: false };
      if (status.status !== 'stopped') throw new CloudError('malformed', 'proxmox', 'the task status answered neither running nor stopped');
      return { done: true, value: typeof status.exitstatus === 'string' ? status.exitstatus.trim() : '' };
    },
    {
      provider: 'proxmox',
      what: `${task.action} of VM ${task.vmid} on ${task.node}`,
      initialDelayMs: task.firstPollMs,
      signal: task.signal,
    },
  );
  if (exitstatus === 'OK' || exitstatus.startsWith('WARNINGS')) return;
  const said = exitstatus === '' ? 'no exit status' : exitstatus.slice(0, 300);
  throw new CloudError(failureKind(exitstatus), 'proxmox', `${task.action} of VM ${task.vmid} on ${task.node} failed: ${said}`, {
    code: said,
    hint: `The task log on ${task.node} (Task History) tells more: ${task.upid}`,
  });
}
