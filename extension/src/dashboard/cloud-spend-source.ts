// The cloud accounts as a spend source of the Expenses panel: clouds/' cloudSpend over the
// configured accounts, with Cost Explorer's answers kept in the dashboard store so every window
// shares them and a reload asks nothing again. No vscode here; cloud-spend-hook.ts feeds it.
import type { CloudAccount, CloudProvider, SecretSource } from '@vlm/clouds/src/cloud-provider';
import { withEntry } from '@vlm/clouds/src/aws/cost-explorer-cache';
import { type CostExplorerCacheStore, cloudSpend } from '@vlm/clouds/src/cloud-spend';
import { createProvider } from '@vlm/clouds/src/provider-registry';
import type { DerivedSpend } from '@vlm/schemas';
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';

/** The shape of derived-spend.ts's SpendSource (local-spend's branch), repeated until both are on main. */
export interface CloudSpendSource {
  readonly name: string;
  linesFor(month: string): Promise<{ lines: DerivedSpend[]; problems: string[] }>;
}

export interface CloudSpendSourceOptions {
  /** The accounts as configured now (read at each call, so a changed setting counts at once). */
  accounts(): readonly CloudAccount[];
  secrets: SecretSource;
  store(): Promise<DashboardStore>;
  /** Tests give a provider with test tuning; users get the registry's. */
  createProvider?: (account: CloudAccount, secrets: SecretSource) => Promise<CloudProvider>;
  now?: () => Date;
}

/** The store's `costExplorerCache`, each answer written under the store's lock. */
export function dashboardCostExplorerCache(store: () => Promise<DashboardStore>): CostExplorerCacheStore {
  return {
    read: async () => (await (await store()).read()).costExplorerCache,
    save: async (entry) => {
      await (await store()).update((draft) => {
        draft.costExplorerCache = withEntry(draft.costExplorerCache, entry);
      });
    },
  };
}

export function cloudSpendSource(options: CloudSpendSourceOptions): CloudSpendSource {
  const cache = dashboardCostExplorerCache(options.store);
  // A panel opened twice at once asks once: each Cost Explorer call costs money.
  const asking = new Map<string, ReturnType<typeof cloudSpend>>();
  return {
    name: 'Cloud accounts',
    linesFor: (month) => {
      const pending = asking.get(month);
      if (pending) return pending;
      const answer = cloudSpend(month, {
        accounts: options.accounts(),
        secrets: options.secrets,
        createProvider: options.createProvider ?? createProvider,
        cache,
        ...(options.now ? { now: options.now() } : {}),
      }).finally(() => asking.delete(month));
      asking.set(month, answer);
      return answer;
    },
  };
}
