// The CLI's cloud accounts and secrets, from the files the user keeps (see clouds/README.md).
import { type AccountsDocument, accountsFilePath, readAccountsFile } from '@vlm/clouds/src/accounts-file';
import type { CloudAccount } from '@vlm/clouds/src/cloud-provider';
import { SecretFile, secretFileLocations } from '@vlm/clouds/src/secret-file';
import { printable } from './diagnostic-report';
import { UsageError } from './exit-codes';

export interface CloudSetup {
  accountsPath: string;
  accounts: AccountsDocument['accounts'];
  secrets: SecretFile;
}

export async function readCloudSetup(): Promise<CloudSetup> {
  const accountsPath = accountsFilePath();
  const { accounts } = await readAccountsFile(accountsPath);
  return { accountsPath, accounts, secrets: new SecretFile(secretFileLocations()) };
}

/** The account named on the command line, or a usage error listing the ones there are. */
export function findAccount(setup: CloudSetup, id: string, commandPath: string): CloudAccount {
  const found = setup.accounts.find((account) => account.id === id);
  if (found) return found;
  const known = setup.accounts.map((account) => account.id);
  throw new UsageError(
    `there is no account '${printable(id)}' in ${setup.accountsPath}` +
      (known.length > 0 ? `; accounts: ${known.join(', ')}.` : ': it has no accounts yet (see vlm cloud accounts --help).'),
    commandPath,
  );
}
