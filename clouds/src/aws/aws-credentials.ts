// An AWS account's credentials, as every AWS client of it takes them (EC2's, Cost Explorer's):
// the standard chain (environment, SSO, profiles), or the key pair the user typed in, read from
// the secrets once and read again only after a failure. In a file of its own so that a client
// other than EC2 does not bring the EC2 SDK with it.
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CloudError } from '../cloud-errors.js';
import type { SecretSource } from '../cloud-provider.js';
import { type AwsSettings, awsSecretKeys } from './aws-settings.js';

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function typedInKeys(accountId: string, secrets: SecretSource): () => Promise<Credentials> {
  let pending: Promise<Credentials> | undefined;
  const load = async (): Promise<Credentials> => {
    const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all(awsSecretKeys.map((key) => secrets.get(accountId, key)));
    if (!accessKeyId || !secretAccessKey) {
      throw new CloudError('auth', 'aws', `no access key is stored for the account ${accountId}`, {
        hint: 'Enter the access key id and secret access key for this account, or use the standard credentials.',
      });
    }
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function awsCredentials(accountId: string, settings: AwsSettings, secrets: SecretSource) {
  return settings.credentials === 'accessKey'
    ? typedInKeys(accountId, secrets)
    : fromNodeProviderChain(settings.profile === undefined ? {} : { profile: settings.profile });
}
