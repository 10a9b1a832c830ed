// A private home for `vlm cloud` tests: the accounts file, the secrets file and its key in a
// temporary folder, never the user's ~/.config/vlm; and the environment that points vlm there.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVlmAsync } from './running-vlm';
import { runVlm, type VlmResult } from './run-vlm';

export interface CloudHome {
  folder: string;
  accountsPath: string;
  secretsPath: string;
  keyPath: string;
  environment: NodeJS.ProcessEnv;
  writeAccounts(accounts: unknown[]): Promise<void>;
  /** Runs vlm in this home; `input` is its standard input. Blocks the test process meanwhile. */
  vlm(commandLine: readonly string[], input?: string): VlmResult;
  /** Runs vlm in this home without blocking, so a stand-in in the test process can answer it. */
  vlmAsync(commandLine: readonly string[]): Promise<VlmResult>;
  remove(): Promise<void>;
}

export async function makeCloudHome(): Promise<CloudHome> {
  const folder = await mkdtemp(join(tmpdir(), 'vlm-cloud-cli-'));
  const accountsPath = join(folder, 'clouds.json');
  const secretsPath = join(folder, 'secrets.json');
  const keyPath = join(folder, 'keys', 'secrets.key');
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: folder,
    VLM_CLOUDS_FILE: accountsPath,
    VLM_SECRETS_FILE: secretsPath,
    VLM_SECRETS_KEY_FILE: keyPath,
    // No SDK may look for instance metadata or a real endpoint.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(folder, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(folder, 'aws-credentials'),
    // google-auth-library: no metadata server probe; HOME above holds no gcloud credentials.
    METADATA_SERVER_DETECTION: 'none',
    GCE_METADATA_HOST: '127.0.0.1:1',
  };
  return {
    folder,
    accountsPath,
    secretsPath,
    keyPath,
    environment,
    writeAccounts: (accounts) => writeFile(accountsPath, JSON.stringify({ accounts })),
    vlm: (commandLine, input) => runVlm(commandLine, { env: environment, input: input ?? '' }),
    vlmAsync: (commandLine) => runVlmAsync(commandLine, environment),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}
