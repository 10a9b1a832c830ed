// The Clouds view as plain data: accounts → locations → instances, what was listed and what
// failed, the filter, and the rows made from them. One instance changing state updates its row
// object in place and names the rows to redraw, so the view never rebuilds 1,000 rows for one.
// No `vscode` import: unit-tested and benchmarked.
import type { CloudAccount, CloudInstance, CloudLocation } from '@vlm/clouds/src/cloud-provider';
import { type InstanceFilter, matchesFilter, parseInstanceFilter } from '@vlm/clouds/src/instance-filter';
import {
  type AccountRow,
  accountIcon,
  type CloudRow,
  type InstanceRow,
  instanceRow,
  isTransitional,
  type LocationRow,
  locationRow,
  locationWords,
  messageRow,
  providerNames,
} from './cloud-rows';

export type AccountStatus = 'loading' | 'loaded' | 'failed';

/** A failure as the user reads it: the provider's message with its code, and what to do. */
export interface Problem {
  message: string;
  hint?: string;
}

export interface LocationListing {
  location: CloudLocation;
  instances: CloudInstance[];
  /** Set when this location alone could not be listed. */
  problem?: Problem;
}

interface LocationState {
  location: CloudLocation;
  instances: Map<string, CloudInstance>;
  problem?: Problem;
}

interface AccountState {
  account: CloudAccount;
  status: AccountStatus;
  problem?: Problem;
  locations: LocationState[];
}

function sameLook(a: CloudRow, b: CloudRow): boolean {
  return (
    a.label === b.label &&
    a.description === b.description &&
    a.tooltip === b.tooltip &&
    a.contextValue === b.contextValue &&
    a.icon.codicon === b.icon.codicon &&
    a.icon.color === b.icon.color
  );
}

function byName(a: CloudInstance, b: CloudInstance): number {
  return (a.name || a.id).localeCompare(b.name || b.id) || a.id.localeCompare(b.id);
}

/** Why an account shows no instances, per provider: the privilege-separated Proxmox token above all. */
export function emptyExplanation(account: CloudAccount, locationCount: number): Problem {
  const [one, many] = locationWords[account.provider];
  const where = `${locationCount} ${locationCount === 1 ? one : many}`;
  if (account.provider === 'proxmox') {
    return {
      message: `No VMs visible on ${where}`,
      hint:
        'A privilege-separated API token sees only what its own permissions allow: give the token a role with VM.Audit on /vms ' +
        '(Datacenter → Permissions → API Token Permissions), or create it without privilege separation.',
    };
  }
  if (account.provider === 'aws') {
    return { message: `No instances in the ${where} listed`, hint: 'Regions not enabled for the account are not listed.' };
  }
  return { message: `No instances in the ${where} listed` };
}

export class CloudTreeModel {
  private readonly accounts = new Map<string, AccountState>();
  private parsedFilter: InstanceFilter = parseInstanceFilter('');
  private filterText = '';
  private rootRows: AccountRow[] | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  get filter(): string {
    return this.filterText;
  }

  /** Takes the accounts from settings, in their order; an account whose definition did not change keeps its listing. */
  setAccounts(accounts: readonly CloudAccount[]): void {
    const previous = new Map(this.accounts);
    this.accounts.clear();
    for (const account of accounts) {
      const kept = previous.get(account.id);
      const same = kept && JSON.stringify(kept.account) === JSON.stringify(account);
      this.accounts.set(account.id, same ? kept : { account, status: 'loading', locations: [] });
    }
    this.rootRows = undefined;
  }

  accountList(): CloudAccount[] {
    return [...this.accounts.values()].map((state) => state.account);
  }

  account(accountId: string): CloudAccount | undefined {
    return this.accounts.get(accountId)?.account;
  }

  /** The shared filter of clouds/ (name, tag key=value, state:, provider:); a FilterError naming the term leaves the old one. */
  setFilter(text: string): void {
    this.parsedFilter = parseInstanceFilter(text);
    this.filterText = text.trim();
    this.rootRows = undefined;
  }

  setLoading(accountId: string): void {
    const state = this.accounts.get(accountId);
    if (!state) return;
    state.status = 'loading';
    this.rootRows = undefined;
  }

  setListing(accountId: string, listings: readonly LocationListing[]): void {
    const state = this.accounts.get(accountId);
    if (!state) return;
    state.status = 'loaded';
    state.problem = undefined;
    state.locations = listings.map((listing) => ({
      location: listing.location,
      instances: new Map(listing.instances.map((instance) => [instance.id, instance])),
      problem: listing.problem,
    }));
    this.rootRows = undefined;
  }

  setFailed(accountId: string, problem: Problem): void {
    const state = this.accounts.get(accountId);
    if (!state) return;
    state.status = 'failed';
    state.problem = problem;
    state.locations = [];
    this.rootRows = undefined;
  }

  /** Forgets the rows, so the next `roots()` rebuilds every one (a full refresh). */
  invalidate(): void {
    this.rootRows = undefined;
  }

  instance(accountId: string, location: string, id: string): CloudInstance | undefined {
    return this.locationState(accountId, location)?.instances.get(id);
  }

  instances(): CloudInstance[] {
    return [...this.accounts.values()].flatMap((state) => state.locations.flatMap((location) => [...location.instances.values()]));
  }

  /** Instances in a state they leave on their own (pending, stopping…): followed until they settle. */
  transitionalInstances(): CloudInstance[] {
    return this.instances().filter((instance) => isTransitional(instance.state));
  }

  roots(): AccountRow[] {
    this.rootRows ??= [...this.accounts.values()].map((state) => this.accountRow(state));
    return this.rootRows;
  }

  /** The row shown for `id`, if the rows are built and it is visible. */
  row(id: string): CloudRow | undefined {
    for (const account of this.roots()) {
      if (account.id === id) return account;
      if (!id.startsWith(`${account.id}/`)) continue;
      for (const child of account.children) {
        if (child.id === id) return child;
        if (child.kind === 'location' && id.startsWith(`${child.id}/`)) return child.children.find((row) => row.id === id);
      }
    }
    return undefined;
  }

  parent(row: CloudRow): CloudRow | undefined {
    if (row.kind === 'account') return undefined;
    if (row.kind === 'instance') return this.row(`cloud/${row.accountId}/${row.location}`);
    return this.row(`cloud/${row.accountId}`);
  }

  /**
   * Puts a new state of one instance in place. Returns the rows to redraw (the instance's row,
   * and its location's and account's when their counts changed), or undefined when the whole
   * view must be redrawn (an instance of a location the listing did not have).
   */
  updateInstance(instance: CloudInstance): CloudRow[] | undefined {
    const location = this.locationState(instance.accountId, instance.location);
    if (!location) return undefined;
    location.instances.set(instance.id, instance);
    if (!this.rootRows) return [];
    const accountRow = this.rootRows.find((row) => row.accountId === instance.accountId);
    const state = this.accounts.get(instance.accountId);
    if (!accountRow || !state) return undefined;
    const locationRowNow = accountRow.children.find(
      (row): row is LocationRow => row.kind === 'location' && row.location === instance.location,
    );
    const shown = locationRowNow?.children.find((row): row is InstanceRow => row.kind === 'instance' && row.instanceId === instance.id);
    const next = instanceRow(instance, this.now());
    // Shown before and still matching, under the same label: only this row and its parents' counts change.
    if (shown && locationRowNow && matchesFilter(instance, this.parsedFilter) && shown.label === next.label) {
      const changed: CloudRow[] = [];
      if (!sameLook(shown, next)) changed.push(Object.assign(shown, next));
      const nextLocation = this.locationRow(state, location, locationRowNow.children);
      if (!sameLook(locationRowNow, nextLocation)) changed.push(Object.assign(locationRowNow, nextLocation));
      const nextAccount = this.accountRow(state, accountRow.children);
      if (!sameLook(accountRow, nextAccount)) changed.push(Object.assign(accountRow, nextAccount));
      return changed;
    }
    // It appears, disappears or moves: the account's rows are made again, under the same account row.
    Object.assign(accountRow, this.accountRow(state));
    return [accountRow];
  }

  private locationState(accountId: string, location: string): LocationState | undefined {
    return this.accounts.get(accountId)?.locations.find((state) => state.location.id === location);
  }

  private locationRow(state: AccountState, location: LocationState, children: CloudRow[]): LocationRow {
    return locationRow(state.account, location.location, [...location.instances.values()], children);
  }

  private accountRow(state: AccountState, keptChildren?: CloudRow[]): AccountRow {
    const { account } = state;
    const all = state.locations.flatMap((location) => [...location.instances.values()]);
    const running = all.filter((instance) => instance.state === 'running').length;
    const withInstances = state.locations.filter((location) => location.instances.size > 0).length;
    const [, many] = locationWords[account.provider];
    const summary =
      state.status === 'failed'
        ? 'failed'
        : state.status === 'loading' && state.locations.length === 0
          ? 'loading…'
          : `${running} of ${all.length} running · ${withInstances} of ${state.locations.length} ${many}`;
    return {
      kind: 'account',
      id: `cloud/${account.id}`,
      label: account.label ?? account.id,
      description: `${providerNames[account.provider]} · ${summary}`,
      tooltip: [
        `${providerNames[account.provider]} account ${account.id}${account.label ? ` (${account.label})` : ''}`,
        state.status === 'loading' ? 'Listing…' : '',
        state.problem ? `${state.problem.message}${state.problem.hint ? `\n${state.problem.hint}` : ''}` : '',
        state.status === 'loaded'
          ? `${all.length} instances, ${running} running, in ${withInstances} of ${state.locations.length} ${many}`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
      icon: accountIcon(account, state.status),
      contextValue: `cloudAccount:${state.status}`,
      accountId: account.id,
      children: keptChildren ?? this.accountChildren(state),
    };
  }

  private accountChildren(state: AccountState): CloudRow[] {
    const { account } = state;
    if (state.status === 'failed' && state.problem) return problemRows(account.id, 'account', state.problem, 'error');
    if (state.status === 'loading' && state.locations.length === 0) return [];
    const now = this.now();
    const children: CloudRow[] = [];
    let total = 0;
    for (const location of state.locations) {
      total += location.instances.size;
      const shown = [...location.instances.values()].filter((instance) => matchesFilter(instance, this.parsedFilter)).sort(byName);
      const rows: CloudRow[] = shown.map((instance) => instanceRow(instance, now));
      if (location.problem) rows.unshift(...problemRows(account.id, `location/${location.location.id}`, location.problem, 'error'));
      if (rows.length > 0) children.push(this.locationRow(state, location, rows));
    }
    if (total === 0 && state.status === 'loaded') {
      children.push(...problemRows(account.id, 'empty', emptyExplanation(account, state.locations.length), 'info'));
    } else if (children.length === 0 && this.filterText) {
      children.push(messageRow(account.id, 'filtered', `No instance matches "${this.filterText}"`, `Filter: ${this.filterText}`, 'info'));
    }
    return children;
  }
}

/** A problem as one row, and its hint as a second row, so neither is cut off in a narrow view. */
function problemRows(accountId: string, key: string, problem: Problem, severity: 'error' | 'info'): CloudRow[] {
  const tooltip = problem.hint ? `${problem.message}\n${problem.hint}` : problem.message;
  const rows = [messageRow(accountId, key, problem.message, tooltip, severity)];
  if (problem.hint) rows.push({ ...messageRow(accountId, `${key}/hint`, problem.hint, tooltip, 'info'), icon: { codicon: 'lightbulb' } });
  return rows;
}
