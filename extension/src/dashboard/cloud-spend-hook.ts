// The cloud spend source built from what the extension holds: the accounts of the
// `vlm.cloudAccounts` setting and their secrets in SecretStorage (listed in spend-sources.ts).
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { readCloudAccounts } from '../clouds/cloud-account-commands';
import { secretStorageKey } from '../clouds/cloud-accounts';
import type { ExtensionScope } from '../extension-scope';
import { cloudSpendSource } from './cloud-spend-source';
import type { SpendSource } from './derived-spend';

export function cloudSpendSourceOf(scope: ExtensionScope, store: () => Promise<DashboardStore>): SpendSource {
  return cloudSpendSource({
    accounts: () => readCloudAccounts().accounts,
    secrets: { get: async (accountId, key) => scope.context.secrets.get(secretStorageKey(accountId, key)) },
    store,
  });
}
