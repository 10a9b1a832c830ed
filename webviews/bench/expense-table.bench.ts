// Filtering and sorting the Expenses table's 10,000 rows (the model the panel runs on each
// keystroke) against a plain Array.filter with one `includes` over the same rows: the least any
// filter does. Medians, and their ratio. The panel's own figure, DOM included, is in
// extension/bench/expenses-panel.bench.ts.
import type { ExpenseEntry } from '@vlm/schemas';
import { defaultTableView, visibleEntries } from '../src/expenses/model/expense-table-view';

const rounds = Number(process.argv[2] ?? 50);

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const entries: ExpenseEntry[] = Array.from({ length: 10_000 }, (_, index) => ({
  id: `e${index}`,
  date: `2026-${String((index % 12) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`,
  amountMinor: (index * 7919) % 100_000,
  currency: index % 3 === 0 ? 'USD' : 'EUR',
  category: `category ${index % 17}`,
  note: `note ${index}`,
  ...(index % 5 === 0 ? { link: { kind: 'provider' as const, id: `provider${index % 4}` } } : {}),
}));

const cases = [
  { title: 'text "category 1", newest first', view: { ...defaultTableView(), filter: { text: 'category 1', currency: '' } } },
  {
    title: 'text and currency, by category',
    view: { sort: { column: 'category' as const, direction: 'ascending' as const }, filter: { text: 'note 9', currency: 'EUR' } },
  },
  { title: 'no filter, by amount', view: { ...defaultTableView(), sort: { column: 'amount' as const, direction: 'descending' as const } } },
];

for (const { title, view } of cases) {
  const needle = view.filter.text;
  const filtered: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let started = performance.now();
    visibleEntries(entries, view);
    filtered.push(performance.now() - started);
    started = performance.now();
    entries.filter((entry) => entry.category.includes(needle));
    plain.push(performance.now() - started);
  }
  const [figure, anchor] = [median(filtered), median(plain)];
  console.log(
    `10,000 expenses, ${title}: table filter and sort ${figure.toFixed(2)} ms (target < 50 ms), plain Array.filter ${anchor.toFixed(2)} ms (anchor), ratio ${(figure / anchor).toFixed(1)}x, median of ${rounds}`,
  );
}
