// What the Proxmox stand-in knows: nodes, QEMU guests, who may see and touch them, and the tasks
// (UPIDs) that power actions start. Answers use the real field names and types of PVE 9.1
// (/work/shared/proxmox/pve-api-subset.json); failures use PVE's own messages.
import { randomBytes } from 'node:crypto';

export type GuestType = 'qemu' | 'lxc';

export interface StandInVm {
  /** A QEMU VM (the default) or an LXC container. */
  type?: GuestType;
  vmid: number;
  node: string;
  name: string;
  status: 'running' | 'stopped';
  /** QMP's own word while running: running, paused, suspended. */
  qmpstatus?: string;
  cpus: number;
  maxmem: number;
  maxdisk: number;
  /** PVE tags: `;`-separated. */
  tags?: string;
  /** When it started (epoch ms), while running. */
  startedAt?: number;
}

export type Privilege = 'VM.Audit' | 'VM.PowerMgmt' | 'VM.Allocate' | 'Sys.Audit';
const allPrivileges: Privilege[] = ['VM.Audit', 'VM.PowerMgmt', 'VM.Allocate', 'Sys.Audit'];

/** A user or an API token, with the privileges it holds on / (propagated). */
export interface Principal {
  id: string;
  privileges: Privilege[];
}

export interface StandInTask {
  upid: string;
  node: string;
  type: string;
  vmid: number;
  user: string;
  pid: number;
  pstart: number;
  starttime: number;
  /** Status polls still answered "running". */
  pollsLeft: number;
  /** The exit status it ends with instead of "OK", doing nothing. */
  failure?: string;
  exitstatus?: string;
  /** What the task does to the guest when it ends well. */
  effect: () => void;
}

/** A failure PVE reports as an HTTP status with its message as the reason phrase. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Task types by action: qemu-server's qm*, pve-container's vz*. */
const taskPrefixes: Record<GuestType, string> = { qemu: 'qm', lxc: 'vz' };
/** How each guest type names itself in its messages and its configuration folder. */
const guestWords: Record<GuestType, { name: string; folder: string }> = {
  qemu: { name: 'VM', folder: 'qemu-server' },
  lxc: { name: 'CT', folder: 'lxc' },
};

const hex = (value: number, width = 8) => value.toString(16).toUpperCase().padStart(width, '0');

export class StandInCluster {
  readonly vms = new Map<number, StandInVm>();
  readonly tasks = new Map<string, StandInTask>();
  /** vmid → the exit status its next task ends with instead of "OK". */
  readonly failingTasks = new Map<number, string>();
  private nextPid = 0x1000;

  constructor(
    readonly nodes: string[],
    vms: StandInVm[],
    /** Status polls a task answers "running" before it ends. */
    readonly taskPolls: number,
  ) {
    for (const vm of vms) this.vms.set(vm.vmid, { ...vm });
  }

  static fullPrivileges(id: string): Principal {
    return { id, privileges: [...allPrivileges] };
  }

  nodeRows(): unknown[] {
    return this.nodes.map((node) => ({
      node,
      status: 'online',
      cpu: 0.031,
      maxcpu: 8,
      mem: 6_442_450_944,
      maxmem: 33_554_432_000,
      uptime: 864_000,
      level: '',
      ssl_fingerprint: 'AB:CD:EF',
    }));
  }

  /** GET /nodes/{node}/qemu or …/lxc: only the guests the principal may audit, as the real handlers filter. */
  guestRows(node: string, type: GuestType, principal: Principal): unknown[] {
    return [...this.vms.values()]
      .filter((vm) => vm.node === node && (vm.type ?? 'qemu') === type && this.may(principal, 'VM.Audit'))
      .map((vm) => this.row(vm));
  }

  /** GET /cluster/resources?type=vm. */
  resourceRows(principal: Principal): unknown[] {
    return [...this.vms.values()]
      .filter(() => this.may(principal, 'VM.Audit'))
      .map((vm) => ({ id: `${vm.type ?? 'qemu'}/${vm.vmid}`, type: vm.type ?? 'qemu', ...this.row(vm), node: vm.node, maxcpu: vm.cpus }));
  }

  status(node: string, type: GuestType, vmid: number, principal: Principal): unknown {
    const vm = this.guest(node, type, vmid, principal, 'VM.Audit');
    if (type === 'lxc') return { ...this.row(vm), type: 'lxc', ha: { managed: 0 } };
    return {
      ...this.row(vm),
      qmpstatus: vm.status === 'running' ? (vm.qmpstatus ?? 'running') : 'stopped',
      ha: { managed: 0 },
      agent: 1,
      ...(vm.status === 'running' ? { 'running-qemu': '10.1.2', 'running-machine': 'pc-i440fx-10.1+pve0' } : {}),
    };
  }

  /** POST …/status/{action}: a task whose end applies the action, or fails as PVE's worker would. */
  powerAction(node: string, type: GuestType, vmid: number, action: string, principal: Principal): string {
    const vm = this.guest(node, type, vmid, principal, 'VM.PowerMgmt');
    const word = guestWords[type].name;
    const running = vm.status === 'running';
    const started = () => {
      vm.status = 'running';
      vm.qmpstatus = 'running';
      vm.startedAt = Date.now();
    };
    const stopped = () => {
      vm.status = 'stopped';
      vm.startedAt = undefined;
    };
    let failure: string | undefined;
    let effect: () => void = () => {};
    if (action === 'start') [failure, effect] = running ? [`${word} ${vmid} already running`, effect] : [undefined, started];
    else if (action === 'stop') effect = stopped;
    else if (!running) failure = `${word} ${vmid} not running`;
    else if (action === 'shutdown') effect = stopped;
    else if (action === 'reboot' || action === 'reset' || action === 'resume') effect = started;
    else if (action === 'suspend') effect = () => Object.assign(vm, { qmpstatus: 'paused' });
    return this.startTask(node, vmid, `${taskPrefixes[type]}${action}`, principal, effect, failure);
  }

  /** DELETE /nodes/{node}/{qemu|lxc}/{vmid}: refused at once while running, as qemu-server and pve-container do. */
  destroy(node: string, type: GuestType, vmid: number, principal: Principal): string {
    const vm = this.guest(node, type, vmid, principal, 'VM.Allocate');
    if (vm.status === 'running') throw new ApiFailure(500, `${guestWords[type].name} ${vmid} is running - destroy failed`);
    return this.startTask(node, vmid, `${taskPrefixes[type]}destroy`, principal, () => this.vms.delete(vmid));
  }

  /** GET /nodes/{node}/tasks/{upid}/status: each poll brings the task one step nearer its end. */
  taskStatus(node: string, upid: string): unknown {
    const task = this.tasks.get(upid);
    if (task === undefined || task.node !== node) throw new ApiFailure(500, 'no such task');
    if (task.pollsLeft > 0) task.pollsLeft -= 1;
    else if (task.exitstatus === undefined) {
      task.exitstatus = task.failure ?? 'OK';
      if (task.failure === undefined) task.effect();
    }
    // The real fields only: {exitstatus?, id, node, pid, pstart, starttime, status, type, upid, user}.
    const { pid, pstart, starttime, type, user, exitstatus } = task;
    const status = exitstatus === undefined ? 'running' : 'stopped';
    return {
      upid,
      node,
      pid,
      pstart,
      starttime,
      type,
      user,
      id: String(task.vmid),
      status,
      ...(exitstatus === undefined ? {} : { exitstatus }),
    };
  }

  /** GET /access/permissions: path → privilege → propagate. */
  permissions(principal: Principal): unknown {
    if (principal.privileges.length === 0) return {};
    return { '/': Object.fromEntries(principal.privileges.map((privilege) => [privilege, 1])) };
  }

  private may(principal: Principal, privilege: Privilege): boolean {
    return principal.privileges.includes(privilege);
  }

  private guest(node: string, type: GuestType, vmid: number, principal: Principal, privilege: Privilege): StandInVm {
    if (!this.may(principal, privilege)) throw new ApiFailure(403, `Permission check failed (/vms/${vmid}, ${privilege})`);
    const vm = this.vms.get(vmid);
    if (vm === undefined || vm.node !== node || (vm.type ?? 'qemu') !== type) {
      throw new ApiFailure(500, `Configuration file 'nodes/${node}/${guestWords[type].folder}/${vmid}.conf' does not exist`);
    }
    return vm;
  }

  private row(vm: StandInVm): Record<string, unknown> {
    const running = vm.status === 'running';
    return {
      vmid: vm.vmid,
      name: vm.name,
      status: vm.status,
      uptime: running && vm.startedAt !== undefined ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
      cpus: vm.cpus,
      cpu: running ? 0.0123 : 0,
      maxmem: vm.maxmem,
      mem: running ? Math.floor(vm.maxmem / 3) : 0,
      maxdisk: vm.maxdisk,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
      ...(running ? { pid: 4000 + vm.vmid } : {}),
      ...(vm.tags === undefined ? {} : { tags: vm.tags }),
    };
  }

  private startTask(node: string, vmid: number, type: string, principal: Principal, effect: () => void, failure?: string): string {
    this.nextPid += 1;
    const starttime = Math.floor(Date.now() / 1000);
    const pstart = 0x12f00d + this.nextPid;
    const user = principal.id;
    const upid = `UPID:${node}:${hex(this.nextPid)}:${hex(pstart)}:${hex(starttime)}:${type}:${vmid}:${user}:`;
    const ending = failure ?? this.failingTasks.get(vmid);
    this.failingTasks.delete(vmid);
    const task: StandInTask = { upid, node, type, vmid, user, pid: this.nextPid, pstart, starttime, pollsLeft: this.taskPolls, effect };
    if (ending !== undefined) task.failure = ending;
    this.tasks.set(upid, task);
    return upid;
  }

  /** A ticket and its CSRF token, in PVE's formats. */
  static newTicket(user: string): { ticket: string; csrf: string } {
    const time = hex(Math.floor(Date.now() / 1000));
    return {
      ticket: `PVE:${user}:${time}::${randomBytes(48).toString('base64')}`,
      csrf: `${time}:${randomBytes(32).toString('base64').replace(/=+$/, '')}`,
    };
  }
}
