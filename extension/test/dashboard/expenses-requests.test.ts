// The extension's side of the Expenses panel: each message checked on arrival (a wrong shape is
// logged and changes nothing), changes saved with undo, CSV import all or nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ExpensesToPanel } from '@vlm/schemas';
import { DashboardStore, dashboardFileName } from '@vlm/webviews/src/store/dashboard-store';
import { ExpensesRequests } from '../../src/dashboard/expenses-requests';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function session(files: { import?: string; export?: string } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-expenses-'));
  folders.push(directory);
  const warnings: string[] = [];
  const notices: string[] = [];
  const store = DashboardStore.open({ directory });
  const requests = new ExpensesRequests({
    store: () => store,
    pickImportFile: async () => files.import,
    pickExportFile: async () => files.export,
    inform: (message) => notices.push(message),
    warn: (line) => warnings.push(line),
  });
  return { directory, warnings, notices, requests, file: join(directory, dashboardFileName) };
}

const fields = { date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: 'VPS' };

function entriesOf(answer: ExpensesToPanel | undefined) {
  assert.equal(answer?.type, 'entries', JSON.stringify(answer));
  return answer?.type === 'entries' ? answer : { entries: [], canUndo: false };
}

describe('Expenses panel requests', () => {
  test('add, edit, delete and undo, each saved', async () => {
    const { requests } = session();
    assert.deepEqual(entriesOf(await requests.handle({ type: 'ready' })), { type: 'entries', entries: [], canUndo: false });
    const added = entriesOf(await requests.handle({ type: 'add', fields }));
    const id = added.entries[0]?.id as string;
    assert.equal(added.canUndo, true);
    await requests.handle({ type: 'edit', id, fields: { ...fields, amountMinor: 999 } });
    assert.equal(entriesOf(await requests.handle({ type: 'delete', id })).entries.length, 0);
    assert.equal(entriesOf(await requests.handle({ type: 'undo' })).entries[0]?.amountMinor, 999);
    assert.equal(entriesOf(await requests.handle({ type: 'undo' })).entries[0]?.amountMinor, 1250);
    const last = entriesOf(await requests.handle({ type: 'undo' }));
    assert.deepEqual([last.entries.length, last.canUndo], [0, false]);
  });

  test('a message of the wrong shape is logged, answered with the problem, and changes nothing', async () => {
    const { requests, warnings, file } = session();
    await requests.handle({ type: 'add', fields });
    const before = readFileSync(file, 'utf8');
    const hostile = [
      { type: 'add', fields: { ...fields, amountMinor: 12.5 } },
      { type: 'add', fields: { ...fields, currency: 'XYZ' } },
      { type: 'delete', id: '../../../etc/passwd' },
      { type: 'edit', id: 'missing', fields },
      { type: 'eval', code: 'process.exit()' },
      'add',
      null,
    ];
    const answers = [];
    for (const message of hostile) answers.push(await requests.handle(message));
    assert.deepEqual(
      answers.map((answer) => answer?.type),
      hostile.map(() => 'error'),
    );
    assert.match(JSON.stringify(answers[0]), /\/fields\/amountMinor must be integer\. Nothing was changed/);
    assert.match(JSON.stringify(answers[1]), /currency: XYZ is not an ISO 4217 currency code in use/);
    assert.match(JSON.stringify(answers[3]), /no longer exists/);
    assert.equal(warnings.length, 5, warnings.join('\n'));
    assert.match(warnings[2] ?? '', /Dropped an ExpensesToExtension message "eval": \/type must be one of/);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('a CSV with bad rows imports nothing and names each row and field; a good one imports all, and undoes', async () => {
    const { directory } = session();
    const csv = join(directory, 'expenses.csv');
    const { requests, notices } = session({ import: csv });
    writeFileSync(csv, 'date,amount,currency,category\n2026-03-01,12.50,EUR,hosting\n2026-13-01,1,EUR,x\n2026-03-02,1.234,EUR,x\n');
    const refused = await requests.handle({ type: 'importCsv' });
    assert.equal(refused?.type, 'error');
    assert.match(
      JSON.stringify(refused),
      /Nothing was imported from .*expenses\.csv: Row 3, date: 2026-13-01 is not a day of the calendar\. Row 4, amount: \\"1\.234\\" has 3 decimals; EUR has 2\./,
    );
    assert.equal(entriesOf(await requests.handle({ type: 'ready' })).entries.length, 0);
    writeFileSync(csv, 'date;amount;currency;category;note\n2026-03-01;12.50;EUR;hosting;"a; b"\n2026-03-02;300;JPY;fees;\n');
    const imported = entriesOf(await requests.handle({ type: 'importCsv' }));
    assert.deepEqual(
      imported.entries.map((entry) => [entry.amountMinor, entry.currency, entry.note]),
      [
        [1250, 'EUR', 'a; b'],
        [300, 'JPY', ''],
      ],
    );
    assert.match(notices[0] ?? '', /Imported 2 expense\(s\)/);
    assert.equal(entriesOf(await requests.handle({ type: 'undo' })).entries.length, 0);
  });

  test('a 50 MB CSV is refused by its size before it is read', async () => {
    const { directory } = session();
    const csv = join(directory, 'huge.csv');
    writeFileSync(csv, '');
    // Sparse: 50 MB long, nothing written; reading it would be slow, stat is not.
    truncateSync(csv, 50 * 1024 * 1024);
    const { requests } = session({ import: csv });
    assert.deepEqual(await requests.handle({ type: 'importCsv' }), {
      type: 'error',
      message: 'The file is 50 MB; an expenses CSV may be at most 10 MB. Nothing was imported.',
    });
  });

  test('export writes every expense as CSV', async () => {
    const { directory } = session();
    const csv = join(directory, 'out.csv');
    const { requests, notices } = session({ export: csv });
    await requests.handle({ type: 'add', fields: { ...fields, note: '=HYPERLINK("x")' } });
    assert.equal(await requests.handle({ type: 'exportCsv' }), undefined);
    assert.equal(
      readFileSync(csv, 'utf8'),
      'date,amount,currency,category,note,link_kind,link_id,recurrence\r\n2026-03-01,12.50,EUR,hosting,"\'=HYPERLINK(""x"")",,,\r\n',
    );
    assert.match(notices[0] ?? '', /Exported 1 expense\(s\)/);
  });
});
