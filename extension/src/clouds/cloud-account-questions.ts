// What Add Cloud Account asks for each provider: the settings (no secrets) and, by name, the
// secrets a user may type in, which go to SecretStorage. No `vscode` import: unit-tested.
import type { ProviderKind } from '@vlm/clouds/src/cloud-provider';

export interface SettingQuestion {
  /** The key in the account's `settings`. */
  key: string;
  prompt: string;
  placeHolder?: string;
  optional?: boolean;
  /** A comma-separated answer becomes a list. */
  list?: boolean;
  /** Picked from a list instead of typed. */
  choices?: Array<{ label: string; value: string; detail: string }>;
  /** Asked only when the answers so far call for it. */
  askedWhen?: (settings: Record<string, unknown>) => boolean;
}

export const providerDescriptions: Record<ProviderKind, string> = {
  aws: 'An AWS profile, SSO or environment credentials, or an access key you type in',
  proxmox: 'A Proxmox VE cluster, through an API token',
  azure: 'An Azure subscription, through Azure CLI or managed identity credentials',
  gcp: 'A Google Cloud project, through application-default credentials',
  vsphere: 'A vCenter or ESXi host, through a user and password',
};

export const settingQuestions: Record<ProviderKind, SettingQuestion[]> = {
  aws: [
    {
      key: 'credentials',
      prompt: 'Credentials',
      choices: [
        { label: 'Standard credential chain', value: 'standard', detail: 'Environment, SSO, a profile from ~/.aws: what the AWS CLI uses' },
        { label: 'Access key typed in', value: 'accessKey', detail: "Kept in VS Code's secret storage, never in settings" },
      ],
    },
    {
      key: 'profile',
      prompt: 'AWS profile to use (empty: the default chain)',
      placeHolder: 'default',
      optional: true,
      askedWhen: (settings) => settings.credentials === 'standard',
    },
    {
      key: 'regions',
      prompt: 'Regions to list, comma-separated (empty: every region enabled for the account)',
      placeHolder: 'eu-west-1, us-east-1',
      optional: true,
      list: true,
    },
    {
      key: 'endpoint',
      prompt: "Another EC2 endpoint, such as a VPC endpoint (empty: AWS's own)",
      placeHolder: 'https://ec2.internal.example:443',
      optional: true,
    },
  ],
  proxmox: [
    { key: 'url', prompt: 'Address of the Proxmox VE API', placeHolder: 'https://pve.example.net:8006' },
    {
      key: 'tokenId',
      prompt: 'API token id (empty: log in as a user with a password instead)',
      placeHolder: 'root@pam!vlm',
      optional: true,
    },
    {
      key: 'username',
      prompt: 'User who logs in with a password',
      placeHolder: 'root@pam',
      askedWhen: (settings) => settings.tokenId === undefined,
    },
    {
      key: 'caFile',
      prompt: 'CA certificate file of the cluster, if it has its own CA (empty: the system CAs)',
      placeHolder: '/etc/pve/pve-root-ca.pem',
      optional: true,
    },
  ],
  azure: [
    { key: 'subscriptionId', prompt: 'Subscription id', placeHolder: '00000000-0000-0000-0000-000000000000' },
    { key: 'tenantId', prompt: 'Directory (tenant) id (empty: that of Azure CLI or the managed identity)', optional: true },
    { key: 'clientId', prompt: 'Application (client) id of a service principal (empty: Azure CLI or managed identity)', optional: true },
  ],
  gcp: [{ key: 'project', prompt: 'Project id', placeHolder: 'my-project' }],
  vsphere: [
    { key: 'url', prompt: 'Address of the vCenter or ESXi host', placeHolder: 'https://vcenter.example.net' },
    { key: 'username', prompt: 'User name', placeHolder: 'administrator@vsphere.local' },
  ],
};

/** The secrets worth asking for, given the settings: only those the chosen way of logging in uses. */
export function secretsToAsk(kind: ProviderKind, settings: Record<string, unknown>, secretKeys: readonly string[]): string[] {
  if (kind === 'aws') return settings.credentials === 'accessKey' ? [...secretKeys] : [];
  if (kind === 'azure') return settings.clientId === undefined || settings.tenantId === undefined ? [] : [...secretKeys];
  if (kind === 'proxmox') return secretKeys.filter((key) => (settings.tokenId === undefined ? key === 'password' : key === 'tokenSecret'));
  return [...secretKeys];
}

/** Secrets that may be left empty: a session token comes with temporary keys only; an Azure client id without a secret is a managed identity. */
export const optionalSecrets: ReadonlySet<string> = new Set(['sessionToken', 'clientSecret']);

/** What each secret is, as a prompt; the provider module names the secrets, this only words them. */
export function secretPrompt(key: string): string {
  const words: Record<string, string> = {
    tokenSecret: 'Secret of the API token (kept in VS Code’s secret storage)',
    password: 'Password (kept in VS Code’s secret storage)',
    accessKeyId: 'Access key id (kept in VS Code’s secret storage)',
    secretAccessKey: 'Secret access key (kept in VS Code’s secret storage)',
    sessionToken: 'Session token, for temporary keys only (empty: none)',
    clientSecret: 'Client secret of the service principal, kept in VS Code’s secret storage (empty: the client id is a managed identity)',
  };
  return words[key] ?? `${key} (kept in VS Code’s secret storage; empty: none)`;
}

/** An answer as it goes into settings: trimmed text, or a list; undefined for an empty optional one. */
export function settingValue(question: SettingQuestion, answer: string): string | string[] | undefined {
  const trimmed = answer.trim();
  if (trimmed === '') return undefined;
  return question.list
    ? trimmed
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : trimmed;
}
