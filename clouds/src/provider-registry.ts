// Which provider modules this build holds, and the one way to turn a configured account into a
// provider: the account is checked here, the settings by the provider's own parseSettings.
// Modules load on demand, so listing accounts never loads five SDKs.
import { checkAccount } from './account-check.js';
import { CloudError } from './cloud-errors.js';
import { providerSettings } from './hourly-prices.js';
import { type CloudProvider, type ProviderKind, type ProviderModule, providerKinds, type SecretSource } from './cloud-provider.js';

export type ProviderModuleLoader = () => Promise<ProviderModule>;
export type ProviderModuleTable = Partial<Record<ProviderKind, ProviderModuleLoader>>;

/** The providers of this build, one line each: `kind: () => import('./kind/…').then((module) => module.…)`. */
const builtInModules: ProviderModuleTable = {
  aws: () => import('./aws/aws-provider.js').then((module) => module.awsProviderModule),
  azure: () => import('./azure/azure-provider.js').then((module) => module.azureProviderModule),
  proxmox: () => import('./proxmox/proxmox-provider.js').then((module) => module.proxmoxModule),
  gcp: () => import('./gcp/gcp-provider.js').then((module) => module.gcpProviderModule),
  vsphere: () => import('./vsphere/vsphere-provider.js').then((module) => module.vsphereModule),
};

export class ProviderRegistry {
  constructor(private readonly modules: ProviderModuleTable) {}

  isAvailable(kind: ProviderKind): boolean {
    return this.modules[kind] !== undefined;
  }

  /** The providers this build can reach, in the interface's order. */
  available(): ProviderKind[] {
    return providerKinds.filter((kind) => this.isAvailable(kind));
  }

  /** The module of a provider; a CloudError ('invalidInput') when this build does not hold it. */
  async load(kind: ProviderKind): Promise<ProviderModule> {
    const load = this.modules[kind];
    if (load === undefined) {
      const available = this.available();
      throw new CloudError('invalidInput', kind, `provider ${kind} is not available in this build`, {
        hint: available.length > 0 ? `This build has: ${available.join(', ')}.` : 'This build has no cloud provider yet.',
      });
    }
    const module = await load();
    if (module.kind !== kind) throw new Error(`the module registered for ${kind} is the ${module.kind} provider`);
    return module;
  }

  /**
   * Checks the account (AccountError) and its settings (CloudError 'invalidInput' from the
   * provider), then builds its provider. Nothing is sent before the checks pass.
   */
  async create(account: unknown, secrets: SecretSource): Promise<CloudProvider> {
    const checked = checkAccount(account);
    const module = await this.load(checked.provider);
    const settings = module.parseSettings(providerSettings(checked.settings));
    return module.create(checked, settings, secrets);
  }

  /** The names of the secrets a provider takes. */
  async secretKeysOf(kind: ProviderKind): Promise<readonly string[]> {
    return (await this.load(kind)).secretKeys;
  }
}

export const providerRegistry = new ProviderRegistry(builtInModules);

export function createProvider(account: unknown, secrets: SecretSource): Promise<CloudProvider> {
  return providerRegistry.create(account, secrets);
}
