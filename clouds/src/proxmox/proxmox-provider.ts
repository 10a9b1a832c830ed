// Proxmox VE behind the CloudProvider interface: nodes are locations, QEMU VMs and LXC containers
// are instances (id = vmid), actions start PVE tasks whose UPIDs are followed to their exit status.
import { readFile } from 'node:fs/promises';
import { CloudError, isCloudError } from '../cloud-errors.js';
import type {
  CloudAccount,
  CloudInstance,
  CloudLocation,
  CloudOperation,
  CloudProvider,
  FollowOptions,
  InstancePage,
  PowerAction,
  ProviderModule,
  SecretSource,
} from '../cloud-provider.js';
import { ProxmoxClient, type ProxmoxCredentials } from './proxmox-client.js';
import { actionRequests, type GuestType, guestTypes, objectOf, rowsOf, toInstance, transitionalState } from './proxmox-instances.js';
import { checkNode, checkUpid, checkVmid, quoted } from './proxmox-names.js';
import { type ProxmoxSettings, parseProxmoxSettings, proxmoxSecretKeys } from './proxmox-settings.js';
import { followTask } from './proxmox-tasks.js';

/** Paths that grant VM.Audit over guests when held there (with propagation, as PVE grants roles). */
const auditPaths = /^\/(vms(\/.*)?|pool\/.*)?$/;

export class ProxmoxProvider implements CloudProvider {
  readonly kind = 'proxmox';
  readonly accountId: string;
  private client?: Promise<ProxmoxClient>;
  /** Whether each vmid seen is a VM or a container, so a later call asks the right path first. */
  private readonly typeOf = new Map<number, GuestType>();

  constructor(
    account: CloudAccount,
    private readonly settings: ProxmoxSettings,
    private readonly secrets: SecretSource,
    /** Test hooks: the clock, and the first wait between task polls. */
    private readonly tuning: { now?: () => number; firstPollMs?: number } = {},
  ) {
    this.accountId = account.id;
  }

  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    const rows = rowsOf(await this.call('GET', '/nodes', { signal }), 'GET /nodes');
    return rows
      .map((row) => {
        const node = checkNode(row.node, 'answer');
        return {
          id: node,
          label: row.status === 'online' || row.status === undefined ? node : `${node} (${String(row.status).slice(0, 20)})`,
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async listInstances(location: string, options: { pageToken?: string; signal?: AbortSignal } = {}): Promise<InstancePage> {
    const node = checkNode(location, 'input');
    if (options.pageToken !== undefined)
      throw new CloudError('invalidInput', 'proxmox', 'pageToken: Proxmox lists a node in one page; there is no next page');
    const context = this.context(node);
    const lists = await Promise.all(
      guestTypes.map(async (type) => {
        const rows = rowsOf(await this.call('GET', `/nodes/${node}/${type}`, { signal: options.signal }), `GET /nodes/${node}/${type}`);
        return rows.map((row) => toInstance(row, type, context));
      }),
    );
    guestTypes.forEach((type, index) => {
      for (const instance of lists[index] ?? []) this.typeOf.set(Number(instance.id), type);
    });
    const instances = lists.flat().sort((a, b) => Number(a.id) - Number(b.id));
    if (instances.length === 0) await this.explainEmptyList(node, options.signal);
    return { instances };
  }

  /** Asks the type last seen for this vmid first (a VM when never seen), then the other one. */
  async getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance> {
    const node = checkNode(location, 'input');
    const vmid = checkVmid(id, 'input');
    const first = this.typeOf.get(vmid) ?? 'qemu';
    const order = first === 'qemu' ? guestTypes : [...guestTypes].reverse();
    let missing: unknown;
    for (const type of order) {
      const path = `/nodes/${node}/${type}/${vmid}/status/current`;
      try {
        const instance = toInstance(objectOf(await this.call('GET', path, { signal }), `GET ${path}`), type, this.context(node));
        if (instance.id !== String(vmid))
          throw new CloudError('malformed', 'proxmox', `GET ${path} answered about guest ${quoted(instance.id)}`);
        this.typeOf.set(vmid, type);
        return instance;
      } catch (error) {
        if (!isCloudError(error) || error.kind !== 'notFound') throw error;
        missing ??= error;
      }
    }
    this.typeOf.delete(vmid);
    throw missing;
  }

  async runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation> {
    const request = actionRequests[checkAction(action)];
    const instance = await this.getInstance(location, id, signal);
    if (!instance.actions.includes(action)) {
      throw new CloudError(
        'wrongState',
        'proxmox',
        `${instance.name} (${instance.id}) is ${instance.providerState}; ${action} does not apply`,
        {
          code: instance.providerState,
          hint:
            instance.actions.length > 0
              ? `In this state it can: ${instance.actions.join(', ')}.`
              : 'Wait until its current task ends, then refresh.',
        },
      );
    }
    const type = this.typeOf.get(Number(instance.id)) ?? 'qemu';
    const path = `/nodes/${instance.location}/${type}/${instance.id}${request.suffix}`;
    const handle = checkUpid(await this.call(request.method, path, { signal, params: request.params }), instance.location, 'answer');
    return { provider: 'proxmox', accountId: this.accountId, location: instance.location, instanceId: instance.id, action, handle };
  }

  async followOperation(operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    const node = checkNode(operation.location, 'input');
    const vmid = checkVmid(operation.instanceId, 'input');
    const upid = checkUpid(operation.handle, node, 'input');
    const action = checkAction(operation.action);
    const before = await this.getInstance(node, String(vmid), options.signal).catch((error: unknown) => {
      if (isCloudError(error) && error.kind === 'notFound' && operation.action === 'delete') return undefined;
      throw error;
    });
    if (before !== undefined) options.onInstance?.({ ...before, state: transitionalState[action], actions: [] });
    const task = { node, upid, vmid, action, signal: options.signal, firstPollMs: this.tuning.firstPollMs };
    await followTask(this.call.bind(this), task).catch(async (error: unknown) => {
      // The row leaves its transitional state for the one the failed task left behind.
      if (before !== undefined && !options.signal?.aborted) {
        const now = await this.getInstance(node, String(vmid), options.signal).catch(() => undefined);
        if (now !== undefined) options.onInstance?.(now);
      }
      throw error;
    });
    const after =
      action === 'delete'
        ? ({ ...(before ?? this.gone(node, vmid)), state: 'terminated', providerState: 'destroyed', actions: [] } satisfies CloudInstance)
        : await this.getInstance(node, String(vmid), options.signal);
    options.onInstance?.(after);
    return after;
  }

  dispose(): void {
    const client = this.client;
    this.client = undefined;
    void client?.then((ready) => ready.dispose()).catch(() => {});
  }

  private context(node: string) {
    return { accountId: this.accountId, node, url: this.settings.url, now: (this.tuning.now ?? Date.now)() };
  }

  private gone(node: string, vmid: number): CloudInstance {
    return {
      provider: 'proxmox',
      accountId: this.accountId,
      location: node,
      id: String(vmid),
      name: `VM ${vmid}`,
      state: 'terminated',
      providerState: 'destroyed',
      tags: {},
      actions: [],
    };
  }

  private async call(...args: Parameters<ProxmoxClient['call']>): Promise<unknown> {
    if (this.client === undefined) {
      const made = this.makeClient();
      this.client = made;
      made.catch(() => {
        if (this.client === made) this.client = undefined;
      });
    }
    return (await this.client).call(...args);
  }

  private async makeClient(): Promise<ProxmoxClient> {
    const { tokenId, username, caFile, url, timeoutSeconds } = this.settings;
    const key = tokenId !== undefined ? 'tokenSecret' : 'password';
    const secret = await this.secrets.get(this.accountId, key);
    if (secret === undefined || secret === '') {
      throw new CloudError('auth', 'proxmox', `no ${key} is stored for the account ${quoted(this.accountId)}`, {
        hint:
          tokenId !== undefined
            ? `Store the secret (the UUID shown when ${tokenId} was created) as its tokenSecret.`
            : `Store ${username}'s password for it.`,
      });
    }
    if (!/^[\x21-\x7e]+$/.test(secret) && tokenId !== undefined) {
      throw new CloudError(
        'invalidInput',
        'proxmox',
        `the stored tokenSecret of ${quoted(this.accountId)} holds blanks or characters outside ASCII; a token secret is a UUID`,
      );
    }
    const credentials: ProxmoxCredentials =
      tokenId !== undefined ? { kind: 'token', tokenId, secret } : { kind: 'ticket', username: username as string, password: secret };
    return new ProxmoxClient({
      url,
      credentials,
      ca: caFile === undefined ? undefined : await readCa(caFile),
      timeoutMs: timeoutSeconds * 1000,
      now: this.tuning.now,
    });
  }

  /**
   * An empty list is either an empty node or a user or token that may not see anything; a
   * privilege-separated token with no role of its own is the common case. PVE says which.
   */
  private async explainEmptyList(node: string, signal?: AbortSignal): Promise<void> {
    const permissions = objectOf(await this.call('GET', '/access/permissions', { signal }), 'GET /access/permissions');
    const audits = Object.entries(permissions).some(
      ([path, privileges]) => auditPaths.test(path) && privileges !== null && typeof privileges === 'object' && 'VM.Audit' in privileges,
    );
    if (audits) return;
    const { tokenId, username } = this.settings;
    throw new CloudError('permission', 'proxmox', `${tokenId ?? username} sees no VM on ${node}: it holds VM.Audit nowhere`, {
      code: 'VM.Audit',
      hint:
        tokenId !== undefined
          ? `The token is privilege-separated, so it has only the rights given to the token itself: add an API Token Permission for ${tokenId} (role PVEVMUser or PVEAuditor on /vms), or recreate it without "Privilege Separation".`
          : `Give ${username} a role with VM.Audit (PVEAuditor or PVEVMUser) on /vms.`,
    });
  }
}

function checkAction(action: unknown): PowerAction {
  if (typeof action === 'string' && Object.hasOwn(actionRequests, action)) return action as PowerAction;
  throw new CloudError('invalidInput', 'proxmox', `action: ${quoted(action)} is not one of ${Object.keys(actionRequests).join(', ')}`);
}

async function readCa(caFile: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new CloudError(
      'invalidInput',
      'proxmox',
      `caFile: cannot read ${quoted(caFile)} (${(error as { code?: string }).code ?? 'error'})`,
      { cause: error },
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new CloudError('invalidInput', 'proxmox', `caFile: ${quoted(caFile)} holds no PEM certificate`);
  return text;
}

export const proxmoxModule: ProviderModule<ProxmoxSettings> = {
  kind: 'proxmox',
  parseSettings: parseProxmoxSettings,
  secretKeys: proxmoxSecretKeys,
  create: (account, settings, secrets) => new ProxmoxProvider(account, settings, secrets),
};
