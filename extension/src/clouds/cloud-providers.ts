// What the view asks of clouds/' provider registry: a provider for an account, whether this build
// holds a provider, its settings check and the names of its secrets.
import type { CloudAccount, ProviderKind } from '@vlm/clouds/src/cloud-provider';
import { providerSettings } from '@vlm/clouds/src/hourly-prices';
import { providerRegistry } from '@vlm/clouds/src/provider-registry';

export { createProvider as createCloudProvider } from '@vlm/clouds/src/provider-registry';

/** Checks an account's settings the way its provider will; throws CloudError('invalidInput') naming the field. */
export async function checkAccountSettings(account: CloudAccount): Promise<void> {
  (await providerRegistry.load(account.provider)).parseSettings(providerSettings(account.settings));
}

/** The secrets a user may type in for a provider (an API token, a password…). */
export function providerSecretKeys(kind: ProviderKind): Promise<readonly string[]> {
  return providerRegistry.isAvailable(kind) ? providerRegistry.secretKeysOf(kind) : Promise.resolve([]);
}

export function hasProvider(kind: ProviderKind): boolean {
  return providerRegistry.isAvailable(kind);
}
