// Builds the provider of an account. Until clouds/ has its provider registry, the extension's own
// small table of provider modules; each provider module lands in clouds/src/<provider>/.
import type { CloudAccount, CloudProvider, ProviderKind, ProviderModule, SecretSource } from '@vlm/clouds/src/cloud-provider';
import { CloudError } from '@vlm/clouds/src/cloud-errors';
import { providerNames } from './cloud-rows';

const modules: Partial<Record<ProviderKind, ProviderModule<unknown>>> = {};

function moduleOf(kind: ProviderKind): ProviderModule<unknown> {
  const found = modules[kind];
  if (!found) {
    throw new CloudError('invalidInput', kind, `this build of VLM has no ${providerNames[kind]} provider`, {
      hint: 'Remove the account, or update VLM.',
    });
  }
  return found;
}

export function createCloudProvider(account: CloudAccount, secrets: SecretSource): CloudProvider {
  const providerModule = moduleOf(account.provider);
  return providerModule.create(account, providerModule.parseSettings(account.settings), secrets);
}

/** Checks an account's settings the way its provider will; throws CloudError('invalidInput') naming the field. */
export function checkAccountSettings(account: CloudAccount): void {
  moduleOf(account.provider).parseSettings(account.settings);
}

/** The secrets a user may type in for a provider (an API token, a password…). */
export function providerSecretKeys(kind: ProviderKind): readonly string[] {
  return modules[kind]?.secretKeys ?? [];
}

export function hasProvider(kind: ProviderKind): boolean {
  return modules[kind] !== undefined;
}
