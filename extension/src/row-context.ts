// The words of a tree row's `contextValue`, built in this one place. The first word is the kind of
// row; the others say what the row can do now. Menus in package.json match the kind with
// `viewItem =~ /^vm\b/` and each other word with `viewItem =~ /\bssh\b/`, so an action is offered
// only where it can work (no Delete VM on a lab's VM, no SSH without an SSH port).
import type { VmStatus } from './host-snapshot';

export type RowKindWord = 'host' | 'lab' | 'looseVms' | 'vm' | 'labSnapshot' | 'workspaceLab' | 'workspaceGroup';

export type HostState = 'connected' | 'connecting' | 'disconnected';

function words(kind: RowKindWord, ...rest: (string | false | undefined)[]): string {
  return [kind, ...rest.filter((word): word is string => typeof word === 'string' && word !== '')].join(' ');
}

export interface HostContextFacts {
  /** Listed in `vlm.hosts` (every host but `local`): it can be edited and removed. */
  fromSettings: boolean;
  /** Reached over SSH: it may have a stored password or passphrases to forget. */
  ssh: boolean;
}

/** `host STATE`, plus `settings` and `ssh` when they apply. */
export function hostContext(state: HostState, facts: HostContextFacts): string {
  return words('host', state, facts.fromSettings && 'settings', facts.ssh && 'ssh');
}

/** A workspace lab file not deployed on its host: deploy, plan, open. */
export function workspaceLabContext(): string {
  return words('workspaceLab');
}

/** The group of workspace lab files whose host is not in the settings. */
export function workspaceGroupContext(): string {
  return words('workspaceGroup');
}

export interface LabContextFacts {
  /** Busy with a lab snapshot operation, which the host would refuse other lab actions during. */
  busy: boolean;
  /** How many of its VMs run: consoles open only to running VMs. */
  runningVms: number;
}

/** `lab`, plus `busy` (no lab actions) or `idle`, plus `running` when a VM of it runs. */
export function labContext(facts: LabContextFacts): string {
  return words('lab', facts.busy ? 'busy' : 'idle', facts.runningVms > 0 && 'running');
}

/** The group of VMs that belong to no lab: no lab actions. */
export function looseVmsContext(): string {
  return words('looseVms');
}

export interface VmContextFacts {
  status: VmStatus;
  /** Belongs to a lab: it goes with its lab (destroy, or edit the lab file), never by Delete VM. */
  inLab: boolean;
  /** Has an SSH port forwarded on the host. */
  ssh: boolean;
}

/**
 * `vm STATE lab|standalone [ssh]`. A crashed VM is also `stopped` (it starts again the same way);
 * `settled` marks the states in which snapshots and delete make sense (not mid-start or mid-stop).
 */
export function vmContext(facts: VmContextFacts): string {
  const { status } = facts;
  const settled = status === 'running' || status === 'stopped' || status === 'crashed' || status === 'paused';
  return words(
    'vm',
    status,
    status === 'crashed' && 'stopped',
    settled && 'settled',
    facts.inLab ? 'lab' : 'standalone',
    facts.ssh && 'ssh',
  );
}

export interface LabSnapshotContextFacts {
  /** Its lab is busy with a lab snapshot operation. */
  busy: boolean;
  /** A VM of the lab has no part of it: it can be deleted, not reverted. */
  incomplete: boolean;
}

/** `labSnapshot`, plus `busy` or `idle`, plus `complete` or `incomplete`. */
export function labSnapshotContext(facts: LabSnapshotContextFacts): string {
  return words('labSnapshot', facts.busy ? 'busy' : 'idle', facts.incomplete ? 'incomplete' : 'complete');
}

/** True when `contextValue` is of this kind and carries every one of `required`. */
export function hasWords(contextValue: string, kind: RowKindWord, ...required: string[]): boolean {
  const present = contextValue.split(' ');
  return present[0] === kind && required.every((word) => present.includes(word));
}
