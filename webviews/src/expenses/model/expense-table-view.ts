// Which expenses the table shows and in what order: a sort by one column (ascending or
// descending) and a filter (text over category, note and link; one currency or all). Pure, so the
// panel, its saved state and the benchmark share one rule; a restored state is checked here too.
import type { ExpenseEntry } from '@vlm/schemas';

export const sortColumns = ['date', 'amount', 'category', 'note', 'link', 'recurrence'] as const;
export type SortColumn = (typeof sortColumns)[number];
export type SortDirection = 'ascending' | 'descending';

export interface TableView {
  sort: { column: SortColumn; direction: SortDirection };
  filter: { text: string; currency: string };
}

/** Newest first, as before sorting existed; no filter. */
export function defaultTableView(): TableView {
  return { sort: { column: 'date', direction: 'descending' }, filter: { text: '', currency: '' } };
}

/** A view restored from the webview's state, whatever it holds: anything unknown falls back. */
export function tableViewOf(saved: unknown): TableView {
  const view = defaultTableView();
  if (typeof saved !== 'object' || saved === null) return view;
  const { sort, filter } = saved as { sort?: Record<string, unknown>; filter?: Record<string, unknown> };
  if (sortColumns.includes(sort?.column as SortColumn)) view.sort.column = sort?.column as SortColumn;
  if (sort?.direction === 'ascending' || sort?.direction === 'descending') view.sort.direction = sort.direction;
  if (typeof filter?.text === 'string') view.filter.text = filter.text.slice(0, 200);
  if (typeof filter?.currency === 'string' && /^([A-Z]{3})?$/.test(filter.currency)) view.filter.currency = filter.currency;
  return view;
}

/** A header clicked: the same column turns its direction, another starts ascending. */
export function sortedBy(view: TableView, column: SortColumn): TableView {
  const direction: SortDirection =
    view.sort.column === column ? (view.sort.direction === 'ascending' ? 'descending' : 'ascending') : 'ascending';
  return { ...view, sort: { column, direction } };
}

export function linkText(entry: ExpenseEntry): string {
  return entry.link ? `${entry.link.kind}: ${entry.link.id}` : '';
}

/** The entries the filter keeps, in the sort's order; ties keep a stable order by date, then id. */
export function visibleEntries(entries: readonly ExpenseEntry[], view: TableView): ExpenseEntry[] {
  const needle = view.filter.text.trim().toLowerCase();
  const { currency } = view.filter;
  const kept = entries.filter(
    (entry) => (currency === '' || entry.currency === currency) && (needle === '' || searchText(entry).includes(needle)),
  );
  const compare = comparators[view.sort.column];
  const sign = view.sort.direction === 'ascending' ? 1 : -1;
  return kept.sort((left, right) => sign * compare(left, right) || byDateThenId(left, right));
}

/** Each entry's searched text, lower case, made once per entry object: each keystroke filters again. */
const searchTexts = new WeakMap<ExpenseEntry, string>();

/** Makes the searched texts ahead of the first keystroke (the panel calls it when idle). */
export function prepareSearch(entries: readonly ExpenseEntry[]): void {
  for (const entry of entries) searchText(entry);
}

function searchText(entry: ExpenseEntry): string {
  let text = searchTexts.get(entry);
  if (text === undefined) {
    // A line break between fields: a needle never matches across two of them.
    text = `${entry.category}\n${entry.note}\n${linkText(entry)}`.toLowerCase();
    searchTexts.set(entry, text);
  }
  return text;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const text = (pick: (entry: ExpenseEntry) => string) => (left: ExpenseEntry, right: ExpenseEntry) =>
  collator.compare(pick(left), pick(right));

function byDateThenId(left: ExpenseEntry, right: ExpenseEntry): number {
  return left.date < right.date ? -1 : left.date > right.date ? 1 : left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

const comparators: Record<SortColumn, (left: ExpenseEntry, right: ExpenseEntry) => number> = {
  date: byDateThenId,
  // Amounts of different currencies are not comparable: grouped by currency, then by amount.
  amount: (left, right) =>
    left.currency < right.currency ? -1 : left.currency > right.currency ? 1 : left.amountMinor - right.amountMinor,
  category: text((entry) => entry.category),
  note: text((entry) => entry.note),
  link: text(linkText),
  recurrence: text((entry) => entry.recurrence ?? ''),
};
