// The CLI's list of cloud accounts: a JSON file the user edits (no secrets in it), checked
// whole on read so a mistake is reported with its file and field before any provider is built.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AccountError, checkAccount, isPlainObject, shown } from './account-check.js';
import type { CloudAccount } from './cloud-provider.js';
import { writePrivateFile } from './private-file.js';

export interface AccountsDocument {
  accounts: CloudAccount[];
}

/** `$VLM_CLOUDS_FILE`, else `~/.config/vlm/clouds.json`. */
export function accountsFilePath(environment: NodeJS.ProcessEnv = process.env): string {
  return environment.VLM_CLOUDS_FILE || join(homedir(), '.config', 'vlm', 'clouds.json');
}

/** Larger than any real list of accounts; a bigger file is a mistake (or a hostile one). */
const maximumFileBytes = 1024 * 1024;

/** A problem with the accounts file: names the file, and the field when there is one. */
export class AccountsFileError extends Error {
  override readonly name = 'AccountsFileError';
  constructor(
    readonly path: string,
    message: string,
    readonly field?: string,
  ) {
    super(`${path}: ${message}`);
  }

  describe(): string {
    return `${this.message}.`;
  }
}

/** Checks a parsed accounts document; `path` only names it in errors. */
export function parseAccountsDocument(document: unknown, path: string): AccountsDocument {
  if (!isPlainObject(document))
    throw new AccountsFileError(path, `the file must hold an object {"accounts": [...]}, not ${shown(document)}`);
  for (const field of Object.keys(document)) {
    if (field !== 'accounts') throw new AccountsFileError(path, `unknown field ${shown(field)} at the top; allowed: accounts`, field);
  }
  const { accounts } = document;
  if (!Array.isArray(accounts)) {
    throw new AccountsFileError(
      path,
      `accounts is ${accounts === undefined ? 'missing' : shown(accounts)}: a list of accounts`,
      'accounts',
    );
  }
  const checked: CloudAccount[] = [];
  const firstIndexOf = new Map<string, number>();
  for (const [index, entry] of accounts.entries()) {
    try {
      checked.push(checkAccount(entry, `accounts[${index}]`));
    } catch (error) {
      if (error instanceof AccountError) throw new AccountsFileError(path, error.message, error.field);
      throw error;
    }
    const id = checked[index]?.id ?? '';
    const earlier = firstIndexOf.get(id);
    if (earlier !== undefined) {
      throw new AccountsFileError(
        path,
        `accounts[${index}].id ${shown(id)} is already the id of accounts[${earlier}]; ids must be unique`,
        `accounts[${index}].id`,
      );
    }
    firstIndexOf.set(id, index);
  }
  return { accounts: checked };
}

/** The accounts in `path`; a missing file is an empty list (nothing configured yet). */
export async function readAccountsFile(path: string): Promise<AccountsDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { accounts: [] };
    const reason = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new AccountsFileError(path, `cannot be read: ${reason}`);
  }
  if (Buffer.byteLength(text) > maximumFileBytes) throw new AccountsFileError(path, `is larger than ${maximumFileBytes} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new AccountsFileError(path, `is not valid JSON: ${(error as Error).message}`);
  }
  return parseAccountsDocument(document, path);
}

/** Checks the accounts, then replaces the file atomically (mode 0600). */
export async function writeAccountsFile(path: string, document: AccountsDocument): Promise<void> {
  const checked = parseAccountsDocument(document, path);
  await writePrivateFile(path, `${JSON.stringify(checked, null, 2)}\n`);
}
