// The Export and Import Dashboard Data commands without VS Code's dialogs: a round trip between
// two stores, a 50 MB file refused by its size, a bad file and a cancelled question change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ImportMode } from '@vlm/webviews/src/store/dashboard-transfer';
import { DashboardStore } from '@vlm/webviews/src/store/dashboard-store';
import { exportDashboardData, importDashboardData } from '../../src/dashboard/dashboard-transfer-flow';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function host(file: string, mode: ImportMode | undefined) {
  const directory = mkdtempSync(join(tmpdir(), 'vlm-transfer-flow-'));
  folders.push(directory);
  const said: { info: string[]; failures: string[]; asked: string[] } = { info: [], failures: [], asked: [] };
  const store = DashboardStore.open({ directory });
  return {
    said,
    store,
    host: {
      store: () => store,
      pickExportFile: async () => file,
      pickImportFile: async () => file,
      pickMode: async (summary: string) => {
        said.asked.push(summary);
        return mode;
      },
      inform: (message: string) => said.info.push(message),
      fail: (message: string) => said.failures.push(message),
    },
  };
}

const expense = { id: 'e1', date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: '' };

describe('dashboard transfer commands', () => {
  test('export from one store, import into another: the entries arrive, a second merge adds nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vlm-transfer-file-')), 'export.json');
    folders.push(join(file, '..'));
    const source = host(file, undefined);
    await (await source.store).update((draft) => draft.expenses.push(expense));
    await exportDashboardData(source.host);
    assert.match(source.said.info[0] ?? '', /Exported the dashboard to .*export\.json: 1 expense\(s\)/);

    const target = host(file, 'merge');
    await importDashboardData(target.host);
    assert.deepEqual(target.said.failures, []);
    assert.match(target.said.asked[0] ?? '', /holds 1 expense\(s\), 0 budget\(s\)/);
    assert.match(target.said.info[0] ?? '', /Added from .*: 1 expenses; 0 already there\./);
    assert.deepEqual((await (await target.store).read()).expenses, [expense]);
    await importDashboardData(target.host);
    assert.match(target.said.info[1] ?? '', /nothing new; 1 already there\./);
  });

  test('a 50 MB file, a file of another program, a cancelled question: nothing changes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vlm-transfer-bad-'));
    folders.push(folder);
    const huge = join(folder, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 50 * 1024 * 1024);
    const big = host(huge, 'replace');
    await importDashboardData(big.host);
    assert.match(
      big.said.failures[0] ?? '',
      /Nothing was imported from .*huge\.json: The file is 50 MB; a dashboard export may be at most 10 MB/,
    );
    assert.deepEqual(big.said.asked, [], 'not even asked');

    const other = join(folder, 'package.json');
    writeFileSync(other, readFileSync(join(__dirname, '..', '..', 'package.json')));
    const wrong = host(other, 'replace');
    await (await wrong.store).update((draft) => draft.expenses.push(expense));
    const before = readFileSync((await wrong.store).path, 'utf8');
    await importDashboardData(wrong.host);
    assert.match(
      wrong.said.failures[0] ?? '',
      /Nothing was imported from .*package\.json: it is not a dashboard export: it has no valid schema_version/,
    );
    assert.equal(readFileSync((await wrong.store).path, 'utf8'), before);

    const exported = join(folder, 'empty.json');
    writeFileSync(exported, JSON.stringify({ schema_version: 1, revision: 0, expenses: [] }));
    const cancelled = host(exported, undefined);
    await (await cancelled.store).update((draft) => draft.expenses.push(expense));
    await importDashboardData(cancelled.host);
    assert.match(cancelled.said.asked[0] ?? '', /written as schema_version 1, upgraded/);
    assert.deepEqual((await (await cancelled.store).read()).expenses, [expense]);
    assert.deepEqual(cancelled.said.info, []);
  });
});
