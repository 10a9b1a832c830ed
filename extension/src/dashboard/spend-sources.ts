// The spend sources the Expenses panel shows computed spend from, one line each: add a source here.
import type { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import type { ExtensionScope } from '../extension-scope';
import { cloudSpendSourceOf } from './cloud-spend-hook';
import type { SpendSource } from './derived-spend';
import { localSpendSource } from './local-spend-source';

export function spendSources(scope: ExtensionScope, store: () => Promise<DashboardStore>): SpendSource[] {
  return [
    localSpendSource({
      hosts: () =>
        scope.hosts.all().map((host) => ({ name: host.host.name, connection: host.messageConnection, reason: host.state.reason })),
      costModel: async () => (await (await store()).read()).costModel,
    }),
    cloudSpendSourceOf(scope, store),
  ];
}
