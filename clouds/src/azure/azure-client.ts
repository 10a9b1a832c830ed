// Builds the ARM compute client for one account: a client secret from the SecretSource when the
// user typed one in, otherwise the standard chain (environment, managed identity, Azure CLI…).
import { ComputeManagementClient } from '@azure/arm-compute';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { CloudError } from '../cloud-errors.js';
import type { SecretSource } from '../cloud-provider.js';
import { rootCertificates } from 'node:tls';
import type { AzureConnectionOptions } from './azure-provider.js';
import type { AzureSettings } from './azure-settings.js';

/** The extra CA joins Node's bundled roots instead of replacing them. */
function trusted(connection: AzureConnectionOptions): { tlsOptions?: { ca: string[] } } {
  return connection.ca === undefined ? {} : { tlsOptions: { ca: [...rootCertificates, connection.ca] } };
}

async function credentialFor(
  accountId: string,
  settings: AzureSettings,
  secrets: SecretSource,
  connection: AzureConnectionOptions,
): Promise<TokenCredential> {
  const tlsOptions = trusted(connection);
  // Instance discovery asks login.microsoftonline.com about the authority: never for another host.
  const authority = settings.authorityHost === undefined ? {} : { authorityHost: settings.authorityHost, disableInstanceDiscovery: true };
  const secret = await secrets.get(accountId, 'clientSecret');
  if (secret !== undefined && secret !== '') {
    if (settings.tenantId === undefined || settings.clientId === undefined)
      throw new CloudError(
        'invalidInput',
        'azure',
        'A client secret is stored for this account, but settings.tenantId or settings.clientId is missing',
        {
          hint: "Add the service principal's tenantId and clientId (application id) to the account, or remove the secret to use `az login`.",
        },
      );
    return new ClientSecretCredential(settings.tenantId, settings.clientId, secret, { ...authority, ...tlsOptions });
  }
  const chain: Record<string, unknown> = { ...authority, ...tlsOptions };
  if (settings.tenantId !== undefined) chain.tenantId = settings.tenantId;
  if (settings.clientId !== undefined) chain.managedIdentityClientId = settings.clientId;
  return new DefaultAzureCredential(chain);
}

export async function createAzureClient(
  accountId: string,
  settings: AzureSettings,
  secrets: SecretSource,
  connection: AzureConnectionOptions,
): Promise<ComputeManagementClient> {
  const credential = await credentialFor(accountId, settings, secrets, connection);
  const endpoint = settings.endpoint ?? 'https://management.azure.com';
  return new ComputeManagementClient(credential, settings.subscriptionId, {
    endpoint,
    // The token's audience is the ARM endpoint itself, so sovereign clouds get theirs.
    credentials: { scopes: [`${endpoint}/.default`] },
    ...trusted(connection),
    ...(connection.retryDelayInMs === undefined
      ? {}
      : { retryOptions: { retryDelayInMs: connection.retryDelayInMs, maxRetryDelayInMs: connection.retryDelayInMs * 8 } }),
  });
}
