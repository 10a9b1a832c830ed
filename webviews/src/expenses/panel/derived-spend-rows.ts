// Computed spend beside the expenses: read-only rows marked with their source (local labs, cloud
// hours, Cost Explorer), the problems that kept some of it out, and the lines as entry-shaped
// values so the totals and the chart count them like expenses. Nothing here is ever saved.
import type { DerivedSpend, ExpenseEntry } from '@vlm/schemas';
import { displayAmount } from '../model/money';
import { element } from '../../panels/dom';

const sourceLabels: Record<DerivedSpend['source'], string> = {
  local: 'computed: local labs',
  cloud: 'computed: cloud hours',
  costExplorer: 'computed: AWS Cost Explorer',
};

/** Rows drawn at most; the rest are counted (the totals and the chart still have them all). */
const shownRows = 500;

const columns = ['Date', 'Amount', 'Category', 'Note', 'Link', 'Source'];

/** The lines as expenses for totals and charts: once each (no recurrence), ids that no entry has. */
export function derivedAsEntries(lines: readonly DerivedSpend[]): ExpenseEntry[] {
  return lines.map((line, index) => ({
    id: `derived-${index}`,
    date: line.date,
    amountMinor: line.amountMinor,
    currency: line.currency,
    category: line.category,
    note: line.note,
  }));
}

export class DerivedSpendRows {
  readonly root: HTMLElement;
  private readonly problems = element('ul', { id: 'derived-problems', 'aria-label': 'Why some computed spend is missing' });
  private readonly body = element('vscode-table-body', { slot: 'body' });
  private readonly more = element('p', { class: 'derived-more' });

  constructor() {
    const table = element(
      'vscode-table',
      {
        id: 'derived-table',
        zebra: true,
        'bordered-rows': true,
        columns: '["7em","8em","9em","auto","8em","13em"]',
        'aria-label': 'Computed spend, read-only',
      },
      element('vscode-table-header', { slot: 'header' }, ...columns.map((title) => element('vscode-table-header-cell', {}, title))),
      this.body,
    );
    this.root = element(
      'section',
      { id: 'derived-spend', hidden: true, 'aria-labelledby': 'derived-heading' },
      element('h2', { id: 'derived-heading' }, 'Computed spend (read-only)'),
      this.problems,
      table,
      this.more,
    );
  }

  show(lines: readonly DerivedSpend[], problems: readonly string[]): void {
    this.root.toggleAttribute('hidden', lines.length === 0 && problems.length === 0);
    this.problems.replaceChildren(...problems.map((problem) => element('li', {}, problem)));
    const sorted = [...lines].sort((left, right) => right.date.localeCompare(left.date) || left.note.localeCompare(right.note));
    this.body.replaceChildren(...sorted.slice(0, shownRows).map((line) => this.row(line)));
    if (sorted.length === 0) {
      this.body.append(element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, 'No computed spend this month.')));
    }
    this.more.textContent =
      sorted.length > shownRows ? `${sorted.length - shownRows} older computed lines are counted but not listed.` : '';
  }

  private row(line: DerivedSpend): HTMLElement {
    const amount = displayAmount(line.amountMinor, line.currency);
    const source = sourceLabels[line.source];
    return element(
      'vscode-table-row',
      { tabindex: '0', class: 'derived', 'data-source': line.source, 'aria-label': `${line.date}, ${amount}, ${line.category}, ${source}` },
      element('vscode-table-cell', {}, line.date),
      element('vscode-table-cell', { class: 'amount' }, amount),
      element('vscode-table-cell', {}, line.category),
      element('vscode-table-cell', {}, line.note),
      element('vscode-table-cell', {}, line.link ? `${line.link.kind}: ${line.link.id}` : ''),
      element('vscode-table-cell', { class: 'source' }, source),
    );
  }
}
