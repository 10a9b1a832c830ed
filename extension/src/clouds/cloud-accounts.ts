// The `vlm.cloudAccounts` setting read and checked (each entry by clouds/' own account check), the SecretStorage key of an account's secret,
// and a provider's failure as the tree and notifications show it. No `vscode` import: unit-tested.
import type { CloudAccount } from '@vlm/clouds/src/cloud-provider';
import { AccountError, accountIdPattern, accountIdRule, checkAccount } from '@vlm/clouds/src/account-check';
import { isCloudError } from '@vlm/clouds/src/cloud-errors';
import { errorMessage } from '../errors';
import type { Problem } from './cloud-tree-model';
import { providerNames } from './cloud-rows';

export function accountIdProblem(id: string, taken: ReadonlySet<string> = new Set()): string | undefined {
  if (!accountIdPattern.test(id)) return `Use ${accountIdRule}.`;
  if (taken.has(id)) return `There is already a cloud account "${id}".`;
  return undefined;
}

/** The accounts the setting holds, and a sentence for each entry it could not take (which entry, which field, what is allowed). */
export function parseCloudAccounts(value: unknown): { accounts: CloudAccount[]; problems: string[] } {
  const accounts: CloudAccount[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { accounts, problems };
  if (!Array.isArray(value)) return { accounts, problems: ['vlm.cloudAccounts must be a list of accounts.'] };
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const where = `vlm.cloudAccounts[${index}]`;
    try {
      const account = checkAccount(entry, where);
      if (seen.has(account.id)) throw new AccountError(`${where}.id: there is already a cloud account "${account.id}"`, `${where}.id`);
      seen.add(account.id);
      accounts.push(account);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      problems.push(error.describe());
    }
  });
  return { accounts, problems };
}

/** Where a secret the user typed for an account lives in VS Code's SecretStorage. */
export function secretStorageKey(accountId: string, key: string): string {
  return `vlm.cloud/${accountId}/${key}`;
}

/** A failure as rows show it: the provider's message with its code, and the hint on its own. */
export function problemOf(error: unknown): Problem {
  if (isCloudError(error)) {
    const code = error.details.code ? ` (${error.details.code})` : '';
    const problem: Problem = { message: `${providerNames[error.provider]}: ${error.message}${code}` };
    if (error.details.hint) problem.hint = error.details.hint;
    return problem;
  }
  return { message: errorMessage(error) };
}

/** One line for a notification: the CloudError's describe() text, or the error's message. */
export function failureText(error: unknown): string {
  return isCloudError(error) ? error.describe() : errorMessage(error);
}
