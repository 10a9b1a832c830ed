// VMware vSphere behind the CloudProvider interface, over vim25 SOAP. Locations are datacenters,
// instances are the VMs in them (templates left out), actions are vSphere tasks followed through
// their info.state. vSphere tells no price, so none is shown.
import { readFile } from 'node:fs/promises';
import { CloudError, isCloudError } from '../cloud-errors.js';
import { type PollResult, pollUntilDone } from '../operation-polling.js';
import type {
  CloudAccount,
  CloudInstance,
  CloudLocation,
  CloudOperation,
  CloudProvider,
  FollowOptions,
  InstancePage,
  InstanceState,
  PowerAction,
  ProviderModule,
  SecretSource,
} from '../cloud-provider.js';
import { SoapClient } from './soap-client.js';
import { checkMoref, type Moref, type TaskInfo, VimClient } from './vim-client.js';
import { parseVsphereSettings, type VsphereSettings } from './vsphere-settings.js';
import { readVirtualMachine, vmProperties, type VirtualMachineRow } from './vsphere-rows.js';

const pageSize = 500;

// What each action calls. `stop` asks the guest OS (VMware Tools) and has no task; the others are tasks.
// RebootGuest is not offered: the simulator does not implement it, so it could not be tested here.
const actionMethods: Record<PowerAction, string> = {
  start: 'PowerOnVM_Task',
  stop: 'ShutdownGuest',
  reboot: 'ResetVM_Task',
  forceStop: 'PowerOffVM_Task',
  delete: 'Destroy_Task',
};

const transitional: Record<PowerAction, InstanceState> = {
  start: 'pending',
  stop: 'stopping',
  reboot: 'rebooting',
  forceStop: 'stopping',
  delete: 'terminating',
};

/** The handle of an action without a task: the guest shutdown is followed through the power state. */
const guestShutdownHandle = 'guest-shutdown';
// A guest may ignore the request (no VMware Tools, a hung OS): past the polling deadline
// (10 minutes), say what to do instead.
function guestShutdownTooSlow(vm: string): CloudError {
  return new CloudError('provider', 'vsphere', `The guest OS of ${vm} did not shut down within 10 minutes`, {
    code: 'GuestShutdownTimeout',
    hint: 'Check the guest, or use Force stop to power it off.',
  });
}

class VsphereProvider implements CloudProvider {
  readonly kind = 'vsphere' as const;
  readonly accountId: string;
  private vim: VimClient | undefined;
  private connecting: Promise<VimClient> | undefined;

  constructor(
    account: CloudAccount,
    private readonly settings: VsphereSettings,
    private readonly secrets: SecretSource,
  ) {
    this.accountId = account.id;
  }

  /**
   * A logged-in client; a failed login leaves nothing behind, so the next call starts afresh.
   * Callers share one login, so it ends by its own deadline, not by one caller's signal.
   */
  private session(): Promise<VimClient> {
    if (this.vim) return Promise.resolve(this.vim);
    this.connecting ??= this.login().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async login(): Promise<VimClient> {
    const password = await this.secrets.get(this.accountId, 'password');
    if (!password) {
      throw new CloudError('auth', 'vsphere', `No password is stored for vCenter account "${this.accountId}"`, {
        hint: 'Set the password for this account (it is kept in the secret store, not in settings).',
      });
    }
    const ca = this.settings.caFile ? await readCa(this.settings.caFile) : undefined;
    const vim = new VimClient(new SoapClient({ url: this.settings.sdkUrl, ca }));
    try {
      await vim.retrieveServiceContent();
      await vim.login(this.settings.username, password);
    } catch (error) {
      await vim.soap.close();
      if (isCloudError(error) && error.details.code === 'InvalidLogin') {
        throw new CloudError('auth', 'vsphere', `vCenter refused the login of "${this.settings.username}"`, {
          code: 'InvalidLogin',
          hint: 'Check the user name and the password stored for this account.',
        });
      }
      throw error;
    }
    this.vim = vim;
    return vim;
  }

  /** Runs a step with the session, logging in again once if vCenter dropped it. */
  private async withSession<T>(step: (vim: VimClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const vim = await untilAborted(this.session(), signal);
    try {
      return await step(vim);
    } catch (error) {
      if (!isCloudError(error) || error.details.code !== 'NotAuthenticated') throw error;
      this.drop();
      return step(await untilAborted(this.session(), signal));
    }
  }

  private drop(): void {
    void this.vim?.soap.close();
    this.vim = undefined;
  }

  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    return this.withSession(async (vim) => {
      const view = await vim.createContainerView(vim.serviceContent.rootFolder, ['Datacenter'], signal);
      try {
        const objects = await vim.retrieveAllFromView(view, { Datacenter: ['name'] }, signal);
        const all = objects.map((object) => ({
          id: checkMoref('Datacenter', object.ref.value, 'A datacenter reference from vCenter').value,
          label: object.properties.get('name')?.text ?? object.ref.value,
        }));
        return this.chosenDatacenters(all);
      } finally {
        await vim.destroyView(view, signal).catch(() => undefined);
      }
    }, signal);
  }

  private chosenDatacenters(all: CloudLocation[]): CloudLocation[] {
    const wanted = this.settings.datacenters;
    if (!wanted) return all;
    const missing = wanted.filter((name) => !all.some((location) => location.label === name));
    if (missing.length > 0) {
      throw new CloudError(
        'notFound',
        'vsphere',
        `vCenter has no datacenter named ${missing.map((name) => JSON.stringify(name)).join(', ')}`,
        {
          hint: `Datacenters there: ${all.map((location) => location.label).join(', ') || 'none'}.`,
        },
      );
    }
    return all.filter((location) => wanted.includes(location.label));
  }

  async listInstances(location: string, options: { pageToken?: string; signal?: AbortSignal } = {}): Promise<InstancePage> {
    const datacenter = checkMoref('Datacenter', location, 'Location');
    const { signal } = options;
    const continued = options.pageToken === undefined ? undefined : parsePageToken(options.pageToken);
    return this.withSession(async (vim) => {
      const placement = await this.placement(vim, datacenter, signal);
      const view = continued?.view ?? (await vim.createContainerView(datacenter, ['VirtualMachine'], signal));
      const page = await (continued
        ? vim.continueRetrieve(continued.token, signal)
        : vim.retrieveFromView(view, { VirtualMachine: vmProperties }, pageSize, signal)
      ).catch(async (error: unknown) => {
        await vim.destroyView(view).catch(() => undefined);
        throw error;
      });
      // The view lives on between pages (the token refers to it) and goes with the last one.
      if (!page.token) await vim.destroyView(view, signal).catch(() => undefined);
      const rows = page.objects.map((object) => readVirtualMachine(object, placement));
      return {
        instances: rows.filter((row) => !row.template).map((row) => this.instance(location, row)),
        nextPageToken: page.token ? `${view.value}|${page.token}` : undefined,
      };
    }, signal);
  }

  /** Host and cluster names in a datacenter, so each VM row can say where it runs. */
  private async placement(
    vim: VimClient,
    datacenter: Moref,
    signal?: AbortSignal,
  ): Promise<Map<string, { host: string; cluster?: string }>> {
    const view = await vim.createContainerView(datacenter, ['HostSystem', 'ClusterComputeResource'], signal);
    try {
      const objects = await vim.retrieveAllFromView(view, { HostSystem: ['name', 'parent'], ClusterComputeResource: ['name'] }, signal);
      const clusters = new Map(
        objects.filter((o) => o.ref.type === 'ClusterComputeResource').map((o) => [o.ref.value, o.properties.get('name')?.text ?? '']),
      );
      const hosts = objects.filter((o) => o.ref.type === 'HostSystem');
      return new Map(
        hosts.map((o) => [
          o.ref.value,
          { host: o.properties.get('name')?.text ?? o.ref.value, cluster: clusters.get(o.properties.get('parent')?.text ?? '') },
        ]),
      );
    } finally {
      await vim.destroyView(view, signal).catch(() => undefined);
    }
  }

  private instance(location: string, row: VirtualMachineRow): CloudInstance {
    const state = row.state;
    const instanceUuid = this.vim?.serviceContent.instanceUuid ?? '';
    const tags: Record<string, string> = {};
    if (row.host) tags.host = row.host;
    if (row.cluster) tags.cluster = row.cluster;
    return {
      provider: 'vsphere',
      accountId: this.accountId,
      location,
      id: row.moref,
      name: row.name,
      state,
      providerState: row.powerState,
      size: row.size,
      ...row.addresses,
      startedAt: state === 'running' ? row.bootTime : undefined,
      tags,
      consoleUrl: /^[0-9a-fA-F-]{36}$/.test(instanceUuid)
        ? `${this.settings.origin}/ui/app/vm;nav=v/urn:vmomi:VirtualMachine:${row.moref}:${instanceUuid}/summary`
        : undefined,
      actions: actionsFor(state),
    };
  }

  async getInstance(location: string, id: string, signal?: AbortSignal): Promise<CloudInstance> {
    const datacenter = checkMoref('Datacenter', location, 'Location');
    const vm = checkMoref('VirtualMachine', id, 'Instance id');
    return this.withSession(async (vim) => {
      const [object] = await vim.retrieveObjects([vm], 'VirtualMachine', vmProperties, signal);
      if (!object) throw new CloudError('notFound', 'vsphere', `VM ${vm.value} was not found`);
      return this.instance(location, readVirtualMachine(object, await this.placement(vim, datacenter, signal)));
    }, signal);
  }

  async runAction(location: string, id: string, action: PowerAction, signal?: AbortSignal): Promise<CloudOperation> {
    checkMoref('Datacenter', location, 'Location');
    const vm = checkMoref('VirtualMachine', id, 'Instance id');
    const method = Object.hasOwn(actionMethods, action) ? actionMethods[action] : undefined;
    if (!method) throw new CloudError('invalidInput', 'vsphere', `Unknown action ${JSON.stringify(action)}`);
    const handle = await this.withSession(async (vim) => {
      if (action !== 'stop') return (await vim.startTask(method, vm, signal)).value;
      await vim.callOnVm(method, vm, signal);
      return guestShutdownHandle;
    }, signal);
    return { provider: 'vsphere', accountId: this.accountId, location, instanceId: vm.value, action, handle };
  }

  async followOperation(operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    const { signal, onInstance } = options;
    const vm = checkMoref('VirtualMachine', operation.instanceId, 'Instance id');
    const task = operation.handle === guestShutdownHandle ? undefined : checkMoref('Task', operation.handle, 'Operation handle');
    const settling = async (): Promise<CloudInstance> => {
      if (operation.action === 'delete') return this.gone(operation, 'terminating');
      const current = await this.getInstance(operation.location, vm.value, signal);
      return { ...current, state: transitional[operation.action], actions: [] };
    };
    if (operation.action !== 'delete') onInstance?.(await settling());
    const check = async (): Promise<PollResult<TaskInfo | undefined>> => {
      if (task) {
        const info = await this.withSession((vim) => vim.taskInfo(task, signal), signal);
        if (info.state === 'success' || info.state === 'error') return { done: true, value: info };
      } else if ((await this.getInstance(operation.location, vm.value, signal)).providerState === 'poweredOff') {
        return { done: true, value: undefined };
      }
      onInstance?.(await settling());
      return { done: false };
    };
    const what = `${operation.action} of ${vm.value}`;
    const info = await pollUntilDone(check, { provider: 'vsphere', what, signal, initialDelayMs: 250, maxDelayMs: 5_000 }).catch(
      (error) => {
        throw !task && isCloudError(error) && error.details.code === 'deadline' ? guestShutdownTooSlow(vm.value) : error;
      },
    );
    if (info?.error) throw info.error;
    const final =
      operation.action === 'delete' ? this.gone(operation, 'terminated') : await this.getInstance(operation.location, vm.value, signal);
    onInstance?.(final);
    return final;
  }

  private gone(operation: CloudOperation, state: InstanceState): CloudInstance {
    return {
      provider: 'vsphere',
      accountId: this.accountId,
      location: operation.location,
      id: operation.instanceId,
      name: operation.instanceId,
      state,
      providerState: state === 'terminated' ? 'destroyed' : 'destroying',
      tags: {},
      actions: [],
    };
  }

  dispose(): void {
    const vim = this.vim;
    this.vim = undefined;
    if (vim)
      void vim
        .logout()
        .catch(() => undefined)
        .finally(() => vim.soap.close());
  }
}

/** The caller stops waiting when its signal aborts; the shared work goes on for the others. */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function actionsFor(state: InstanceState): PowerAction[] {
  if (state === 'running') return ['stop', 'reboot', 'forceStop'];
  if (state === 'stopped') return ['start', 'delete'];
  if (state === 'suspended') return ['start', 'forceStop'];
  return [];
}

function parsePageToken(pageToken: string): { view: Moref; token: string } {
  const [view, token, ...rest] = pageToken.split('|');
  if (rest.length > 0 || !token || !/^[A-Za-z0-9._:-]{1,200}$/.test(token)) {
    throw new CloudError('invalidInput', 'vsphere', 'The page token is not one this provider gave out', {
      hint: 'List again from the first page.',
    });
  }
  return { view: checkMoref('ContainerView', view, 'The page token'), token };
}

async function readCa(path: string): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return text;
  } catch (error) {
    throw new CloudError('invalidInput', 'vsphere', `Setting "caFile" (${path}) could not be used: ${(error as Error).message}`, {
      hint: "Point caFile at the PEM file of the CA that signed vCenter's certificate.",
    });
  }
}

export const vsphereModule: ProviderModule<VsphereSettings> = {
  kind: 'vsphere',
  parseSettings: parseVsphereSettings,
  secretKeys: ['password'],
  create: (account, settings, secrets) => new VsphereProvider(account, settings, secrets),
};
