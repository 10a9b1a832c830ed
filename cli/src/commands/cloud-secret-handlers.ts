// `vlm cloud secret set|remove ACCOUNT KEY`: the encrypted secrets file. A value comes from
// standard input only, and is never printed.
import { accountIdPattern, accountIdRule } from '@vlm/clouds/src/account-check';
import { providerRegistry } from '@vlm/clouds/src/provider-registry';
import { secretKeyPattern } from '@vlm/clouds/src/secret-file';
import { findAccount, readCloudSetup } from '../cloud-accounts';
import { CloudCommandFailure, runCloudCommand } from '../cloud-failures';
import type { ParsedArguments, CommandHandler } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { readSecretValue } from '../secret-input';

function accountAndKey(parsed: ParsedArguments, commandPath: string): { accountId: string; key: string } {
  const [accountId, key, ...extra] = parsed.operands;
  if (accountId === undefined || key === undefined) {
    throw new UsageError(
      `missing ${accountId === undefined ? 'ACCOUNT and KEY' : 'KEY'}. Usage: vlm ${commandPath} ACCOUNT KEY.`,
      commandPath,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(
      `'vlm ${commandPath}' takes ACCOUNT and KEY; the value is read from standard input, never from the command line. Also got ${extra.length} more argument(s).`,
      commandPath,
    );
  }
  if (!accountIdPattern.test(accountId))
    throw new UsageError(`argument ACCOUNT '${printable(accountId)}' is not an account id: ${accountIdRule}.`, commandPath);
  if (!secretKeyPattern.test(key)) {
    throw new UsageError(
      `argument KEY '${printable(key)}' is not a secret name: a letter, then letters, digits, '.', '_' and '-'.`,
      commandPath,
    );
  }
  return { accountId, key };
}

export const secretSet: CommandHandler = async (parsed, output) => {
  const { accountId, key } = accountAndKey(parsed, 'cloud secret set');
  return runCloudCommand(output, async (signal) => {
    const setup = await readCloudSetup();
    const account = findAccount(setup, accountId, 'cloud secret set');
    const keys = await providerRegistry.secretKeysOf(account.provider);
    if (!keys.includes(key)) {
      const allowed =
        keys.length > 0 ? `its secrets are: ${keys.join(', ')}` : 'it takes no secrets: it uses its standard credential chain';
      throw new UsageError(`account ${accountId} (${account.provider}) takes no secret '${key}'; ${allowed}.`, 'cloud secret set');
    }
    const value = await readSecretValue(key, output.stderr, process.stdin, signal);
    await setup.secrets.set(accountId, key, value);
    output.stdout(`Stored ${key} of account ${accountId}, encrypted, in ${printable(setup.secrets.locations.path)}.\n`);
    return exitCodes.success;
  });
};

export const secretRemove: CommandHandler = async (parsed, output) => {
  const { accountId, key } = accountAndKey(parsed, 'cloud secret remove');
  return runCloudCommand(output, async () => {
    const setup = await readCloudSetup();
    // The account may be gone from the accounts file already: its secrets can still be removed.
    if (!(await setup.secrets.remove(accountId, key))) {
      throw new CloudCommandFailure(
        `there is no secret ${key} of account ${accountId} in ${setup.secrets.locations.path}.`,
        exitCodes.problems,
      );
    }
    output.stdout(`Removed ${key} of account ${accountId}.\n`);
    return exitCodes.success;
  });
};
