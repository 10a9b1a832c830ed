// The "Clouds" view: maps the plain rows of cloud-tree-model.ts to TreeItems, lists accounts
// (every location in parallel, every page), and redraws only the rows an instance change touches.
import * as vscode from 'vscode';
import type { CloudAccount, CloudInstance, CloudProvider, SecretSource } from '@vlm/clouds/src/cloud-provider';
import type { Log } from '../log';
import { isCancellation } from '../errors';
import { failureText, problemOf } from './cloud-accounts';
import { CloudFollowers } from './cloud-followers';
import type { CloudRow } from './cloud-rows';
import { listAccount } from './cloud-listing';
import { CloudTreeModel } from './cloud-tree-model';
import { treeItemOf } from '../tree-items';

export type ProviderFactory = (account: CloudAccount, secrets: SecretSource) => Promise<CloudProvider>;

export class CloudsTreeProvider implements vscode.TreeDataProvider<CloudRow>, vscode.Disposable {
  readonly model = new CloudTreeModel();
  private readonly changeEmitter = new vscode.EventEmitter<CloudRow | CloudRow[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly providers = new Map<string, Promise<CloudProvider>>();
  /** The providers built so far, for the followers, which only follow what a built provider started. */
  private readonly built = new Map<string, CloudProvider>();
  private readonly loads = new Map<string, AbortController>();
  readonly followers: CloudFollowers;

  constructor(
    private readonly secrets: SecretSource,
    private readonly log: Log,
    private readonly createProvider: ProviderFactory,
  ) {
    this.followers = new CloudFollowers({
      provider: (accountId) => this.built.get(accountId),
      onInstance: (instance) => this.showInstance(instance),
      onFailure: (target, error) => void this.reportFailure(target, error),
    });
  }

  /** Takes the accounts from settings; lists the new and changed ones. */
  setAccounts(accounts: readonly CloudAccount[]): void {
    const before = new Map(this.model.accountList().map((account) => [account.id, JSON.stringify(account)]));
    this.model.setAccounts(accounts);
    for (const [id, text] of before) {
      const now = this.model.account(id);
      if (!now || JSON.stringify(now) !== text) this.forget(id);
    }
    for (const account of accounts) if (before.get(account.id) !== JSON.stringify(account)) void this.load(account.id);
    this.changeEmitter.fire(undefined);
  }

  /** Lists one account again, or every account. */
  async refresh(accountId?: string): Promise<void> {
    const ids = accountId ? [accountId] : this.model.accountList().map((account) => account.id);
    await Promise.all(ids.map((id) => this.load(id)));
  }

  /** The provider of an account, built on first use; throws the provider's CloudError for bad settings. */
  provider(accountId: string): Promise<CloudProvider> {
    const existing = this.providers.get(accountId);
    if (existing) return existing;
    const account = this.model.account(accountId);
    if (!account) return Promise.reject(new Error(`There is no cloud account "${accountId}" any more.`));
    const building = this.createProvider(account, this.secrets).then((provider) => {
      if (this.providers.get(accountId) === building) this.built.set(accountId, provider);
      else provider.dispose();
      return provider;
    });
    // A failed build (bad settings) is tried again on the next refresh, not kept.
    building.catch(() => {
      if (this.providers.get(accountId) === building) this.providers.delete(accountId);
    });
    this.providers.set(accountId, building);
    return building;
  }

  /** Drops an account's provider (its secrets changed) and lists the account again. */
  forgetProvider(accountId: string): void {
    if (!this.model.account(accountId)) return;
    this.forget(accountId);
    void this.load(accountId);
  }

  /** Puts an instance's new state in its row and redraws only what changed. */
  showInstance(instance: CloudInstance): void {
    const changed = this.model.updateInstance(instance);
    if (changed === undefined) this.changeEmitter.fire(undefined);
    else if (changed.length > 0) this.changeEmitter.fire(changed);
  }

  setFilter(text: string): void {
    this.model.setFilter(text);
    void vscode.commands.executeCommand('setContext', 'vlm.cloudsFiltered', this.model.filter !== '');
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(row: CloudRow): vscode.TreeItem {
    const collapsible =
      row.kind === 'account' || row.kind === 'location' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
    return treeItemOf(row, collapsible);
  }

  getChildren(row?: CloudRow): CloudRow[] {
    if (!row) return this.model.roots();
    return row.kind === 'account' || row.kind === 'location' ? row.children : [];
  }

  getParent(row: CloudRow): CloudRow | undefined {
    return this.model.parent(row);
  }

  dispose(): void {
    for (const id of new Set([...this.providers.keys(), ...this.loads.keys()])) this.forget(id);
    this.followers.dispose();
    this.changeEmitter.dispose();
  }

  private forget(accountId: string): void {
    this.loads.get(accountId)?.abort();
    this.loads.delete(accountId);
    this.followers.forgetAccount(accountId);
    this.built.get(accountId)?.dispose();
    this.built.delete(accountId);
    this.providers.delete(accountId);
  }

  private async load(accountId: string): Promise<void> {
    this.loads.get(accountId)?.abort();
    const controller = new AbortController();
    this.loads.set(accountId, controller);
    this.model.setLoading(accountId);
    this.changeEmitter.fire(undefined);
    try {
      const listings = await listAccount(await this.provider(accountId), controller.signal);
      if (controller.signal.aborted) return;
      const failed = listings.filter((listing) => listing.problem);
      // Every location failed the same way (expired credentials, say): one problem for the account.
      if (listings.length > 0 && failed.length === listings.length && failed[0]?.problem)
        this.model.setFailed(accountId, failed[0].problem);
      else this.model.setListing(accountId, listings);
      for (const listing of failed) this.log.warn(`Cloud account ${accountId}, ${listing.location.id}: ${listing.problem?.message}`);
    } catch (error) {
      if (controller.signal.aborted || isCancellation(error)) return;
      this.model.setFailed(accountId, problemOf(error));
      this.log.warn(`Could not list cloud account ${accountId}: ${failureText(error)}`);
    } finally {
      if (this.loads.get(accountId) === controller) this.loads.delete(accountId);
    }
    this.changeEmitter.fire(undefined);
    for (const instance of this.model.transitionalInstances()) if (instance.accountId === accountId) this.followers.watch(instance);
  }

  private async reportFailure(
    target: { accountId: string; location: string; instanceId: string; action?: string },
    error: unknown,
  ): Promise<void> {
    const instance = this.model.instance(target.accountId, target.location, target.instanceId);
    const name = instance?.name ? `${instance.name} (${target.instanceId})` : target.instanceId;
    const what = target.action ? `${target.action} ${name}` : `follow ${name}`;
    this.log.warn(`Could not ${what} in cloud account ${target.accountId}: ${failureText(error)}`);
    // What the instance really is now, since the operation did not end as expected.
    try {
      this.showInstance(await (await this.provider(target.accountId)).getInstance(target.location, target.instanceId));
    } catch (reread) {
      this.log.warn(`Could not read ${name} again: ${failureText(reread)}`);
    }
    const choice = await vscode.window.showErrorMessage(`Could not ${what}: ${failureText(error)}`, 'Show Log');
    if (choice === 'Show Log') this.log.show();
  }
}
