// The CLI's accounts file: read and checked with the file and field in every error, written
// atomically with mode 0600.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountsFileError, accountsFilePath, readAccountsFile, writeAccountsFile } from '../src/accounts-file';

let folder = '';
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'vlm-accounts-file-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function refusal(content: string): Promise<AccountsFileError> {
  const path = join(folder, 'check.json');
  await writeFile(path, content);
  const error = await readAccountsFile(path).catch((caught: unknown) => caught);
  assert.ok(error instanceof AccountsFileError, `expected a refusal of ${content}, got ${String(error)}`);
  return error;
}

describe('accounts file: reading', () => {
  it('is $VLM_CLOUDS_FILE, else ~/.config/vlm/clouds.json', () => {
    assert.equal(accountsFilePath({ VLM_CLOUDS_FILE: '/x/y.json' }), '/x/y.json');
    assert.match(accountsFilePath({}), /\/\.config\/vlm\/clouds\.json$/);
  });

  it('reads a missing file as no accounts', async () => {
    assert.deepEqual(await readAccountsFile(join(folder, 'absent.json')), { accounts: [] });
  });

  it('reads accounts as written', async () => {
    const path = join(folder, 'good.json');
    const accounts = [
      { id: 'prod', provider: 'aws', label: 'Production', settings: { profile: 'prod' } },
      { id: 'home.lab', provider: 'proxmox', settings: {} },
    ];
    await writeFile(path, JSON.stringify({ accounts }));
    assert.deepEqual(await readAccountsFile(path), { accounts });
  });

  it('names the file and the field of each mistake', async () => {
    const path = join(folder, 'check.json');
    const cases: Array<[string, string]> = [
      ['{', `${path}: is not valid JSON`],
      ['[]', `${path}: the file must hold an object {"accounts": [...]}, not an array`],
      ['{"accounts": {}}', `${path}: accounts is an object: a list of accounts`],
      ['{"accounts": [], "version": 2}', `${path}: unknown field "version" at the top; allowed: accounts`],
      [
        '{"accounts": [{"id": "a", "provider": "aws", "settings": {}}, {"id": "b c", "provider": "aws", "settings": {}}]}',
        `${path}: accounts[1].id is "b c"`,
      ],
      ['{"accounts": [{"id": "a", "provider": "AWS", "settings": {}}]}', `${path}: accounts[0].provider is "AWS": one of aws, proxmox`],
      ['{"accounts": [{"id": "a", "provider": "aws", "settings": 3}]}', `${path}: accounts[0].settings is a number`],
      [
        '{"accounts": [{"id": "a", "provider": "aws", "settings": {}, "secret": "s"}]}',
        `${path}: accounts[0] has an unknown field "secret"`,
      ],
      [
        '{"accounts": [{"id": "a", "provider": "aws", "settings": {}}, {"id": "a", "provider": "gcp", "settings": {}}]}',
        `${path}: accounts[1].id "a" is already the id of accounts[0]; ids must be unique`,
      ],
    ];
    for (const [content, expected] of cases) {
      const error = await refusal(content);
      assert.ok(error.message.startsWith(expected), `${content}: ${error.message}`);
    }
    assert.equal((await refusal('{"accounts": [{"id": "a", "provider": "aws"}]}')).field, 'accounts[0].settings');
  });

  it('refuses a directory and an oversized file with the reason', async () => {
    const directory = join(folder, 'a-directory.json');
    await mkdir(directory);
    await assert.rejects(readAccountsFile(directory), { message: `${directory}: cannot be read: it is a directory` });
    const huge = join(folder, 'huge.json');
    await writeFile(huge, `{"accounts": [], "x": "${'x'.repeat(1024 * 1024)}"}`);
    await assert.rejects(readAccountsFile(huge), /is larger than 1048576 bytes/);
  });
});

describe('accounts file: writing', () => {
  it('writes mode 0600 in a 0700 folder, atomically, and reads back the same', async () => {
    const path = join(folder, 'new', 'clouds.json');
    const document = { accounts: [{ id: 'prod', provider: 'aws' as const, settings: { region: 'eu-west-1' } }] };
    await writeAccountsFile(path, document);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(folder, 'new'))).mode & 0o777, 0o700);
    assert.deepEqual(await readAccountsFile(path), document);
    await writeAccountsFile(path, { accounts: [] });
    assert.deepEqual(await readdir(join(folder, 'new')), ['clouds.json'], 'no temporary file is left');
    assert.equal(await readFile(path, 'utf8'), '{\n  "accounts": []\n}\n');
  });

  it('refuses to write an account it would refuse to read, and leaves the file as it was', async () => {
    const path = join(folder, 'kept.json');
    await writeAccountsFile(path, { accounts: [] });
    const bad = { accounts: [{ id: '-bad', provider: 'aws' as const, settings: {} }] };
    await assert.rejects(writeAccountsFile(path, bad), /accounts\[0\]\.id is "-bad"/);
    assert.deepEqual(await readAccountsFile(path), { accounts: [] });
  });
});
