// The filter above the Expenses table: text (matched in category, note and link) and a currency
// ("All currencies" or one of those the expenses use). Each keystroke filters at once.
import type { TableView } from '../model/expense-table-view';
import { element, fieldValue, setValue } from '../../panels/dom';

export class TableFilter {
  readonly root: HTMLElement;
  private readonly text = element('vscode-textfield', {
    id: 'table-filter',
    type: 'search',
    placeholder: 'Filter by category, note or link',
    'aria-label': 'Filter the expenses by category, note or link',
  });
  private readonly currency = element('vscode-single-select', { id: 'table-currency', 'aria-label': 'Show the expenses of' });
  private codes = '';

  constructor(onChange: (filter: TableView['filter']) => void) {
    this.root = element('div', { class: 'table-filter' }, this.text, this.currency);
    const changed = () => onChange({ text: fieldValue(this.text), currency: fieldValue(this.currency) });
    this.text.addEventListener('input', changed);
    this.currency.addEventListener('change', changed);
  }

  /** Shows the restored filter and the currencies there are to pick from. */
  show(filter: TableView['filter'], currencies: readonly string[]): void {
    const codes = currencies.join(' ');
    if (codes !== this.codes) {
      this.codes = codes;
      this.currency.replaceChildren(
        element('vscode-option', { value: '' }, 'All currencies'),
        ...currencies.map((code) => element('vscode-option', { value: code }, code)),
      );
    }
    if (fieldValue(this.text) !== filter.text) setValue(this.text, filter.text);
    setValue(this.currency, currencies.includes(filter.currency) ? filter.currency : '');
  }
}
