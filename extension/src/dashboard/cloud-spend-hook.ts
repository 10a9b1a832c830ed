// The cloud spend source built from what the extension holds: the accounts of the
// `vlm.cloudAccounts` setting and their secrets in SecretStorage. One line in the panel's list
// of spend sources adds it: `cloudSpendSourceOf(scope, store)`.
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { readCloudAccounts } from '../clouds/cloud-account-commands';
import { secretStorageKey } from '../clouds/cloud-accounts';
import type { ExtensionScope } from '../extension-scope';
import { type CloudSpendSource, cloudSpendSource } from './cloud-spend-source';

export function cloudSpendSourceOf(scope: ExtensionScope, store: () => Promise<DashboardStore>): CloudSpendSource {
  return cloudSpendSource({
    accounts: () => readCloudAccounts().accounts,
    secrets: { get: async (accountId, key) => scope.context.secrets.get(secretStorageKey(accountId, key)) },
    store,
  });
}
