// The `vlm.cloudAccounts` setting read and checked, the SecretStorage key of an account's secret,
// and a provider's failure as the tree and notifications show it. No `vscode` import: unit-tested.
import { type CloudAccount, providerKinds, type ProviderKind } from '@vlm/clouds/src/cloud-provider';
import { isCloudError } from '@vlm/clouds/src/cloud-errors';
import { errorMessage } from '../errors';
import type { Problem } from './cloud-tree-model';
import { providerNames } from './cloud-rows';

/** Letters, digits, `.`, `_` and `-`, as clouds/ requires of an account id. */
export const accountIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export function accountIdProblem(id: string, taken: ReadonlySet<string> = new Set()): string | undefined {
  if (!accountIdPattern.test(id)) return 'Use letters, digits, ".", "_" and "-", at most 64 characters.';
  if (taken.has(id)) return `There is already a cloud account "${id}".`;
  return undefined;
}

/** One entry of the setting as an account, or a sentence saying which field is wrong and what is allowed. */
function readAccount(entry: unknown, where: string, seen: ReadonlySet<string>): CloudAccount | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return `${where} must be an object with id, provider and settings.`;
  const { id, provider, label, settings } = entry as Record<string, unknown>;
  const idProblem = typeof id === 'string' ? accountIdProblem(id, seen) : 'It needs an id.';
  if (idProblem) return `${where}.id: ${idProblem}`;
  if (!providerKinds.includes(provider as ProviderKind)) {
    return `${where}.provider: "${String(provider)}" is not a provider. Use one of ${providerKinds.join(', ')}.`;
  }
  if (label !== undefined && typeof label !== 'string') return `${where}.label must be text.`;
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
    return `${where}.settings must be an object.`;
  }
  const account: CloudAccount = {
    id: id as string,
    provider: provider as ProviderKind,
    settings: (settings ?? {}) as Record<string, unknown>,
  };
  if (label) account.label = label;
  return account;
}

/** The accounts the setting holds, and a sentence for each entry it could not take (which entry, which field, what is allowed). */
export function parseCloudAccounts(value: unknown): { accounts: CloudAccount[]; problems: string[] } {
  const accounts: CloudAccount[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { accounts, problems };
  if (!Array.isArray(value)) return { accounts, problems: ['vlm.cloudAccounts must be a list of accounts.'] };
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const account = readAccount(entry, `vlm.cloudAccounts[${index}]`, seen);
    if (typeof account === 'string') {
      problems.push(account);
      return;
    }
    seen.add(account.id);
    accounts.push(account);
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
