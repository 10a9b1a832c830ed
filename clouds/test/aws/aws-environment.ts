// The AWS SDK reads credentials, profiles and endpoints from the environment and from files in
// the home folder. Tests point all of it at empty files of their own and turn off the instance
// metadata service, so the SDK finds only what the test gives it and never looks beyond loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const inheritedVariables = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_EC2',
];

/** Sets this process's AWS environment to a new folder with an empty config and credentials file; returns the folder. */
export function isolateAwsEnvironment(prefix = 'vlm-aws-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = join(folder, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(folder, 'credentials');
  for (const name of inheritedVariables) delete process.env[name];
  writeFileSync(process.env.AWS_CONFIG_FILE, '', { mode: 0o600 });
  writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE, '', { mode: 0o600 });
  return folder;
}
