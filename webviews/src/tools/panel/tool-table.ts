// The tools as a vscode-table, sorted by name. A row takes focus with Tab and becomes the
// selected one; Enter edits it, Delete deletes it (undo with Ctrl+Z or the Undo button), O opens
// its URL; its buttons do the same by mouse. Health is written out; its colour only repeats it.
import type { Tool } from '@vlm/schemas';
import { element } from '../../panels/dom';
import { healthSummary } from '../model/tool-catalog-view';

export interface ToolTableEvents {
  open(tool: Tool): void;
  edit(tool: Tool): void;
  delete(tool: Tool): void;
  select(tool: Tool): void;
}

const columns = ['Name', 'Category and tags', 'Health', ''];
const healthMarks = { up: '●', down: '✕', unchecked: '○', off: '–' } as const;

export class ToolTable {
  readonly root: HTMLElement;
  private readonly body = element('vscode-table-body', { slot: 'body' });

  constructor(private readonly events: ToolTableEvents) {
    const header = element(
      'vscode-table-header',
      { slot: 'header' },
      ...columns.map((title) => element('vscode-table-header-cell', {}, title)),
    );
    this.root = element(
      'vscode-table',
      // Equal columns: vscode-table sizes the header's cells, not rows drawn later, from `columns`.
      { id: 'tool-table', zebra: true, 'bordered-rows': true, 'aria-label': 'Tools' },
      header,
      this.body,
    );
  }

  show(tools: readonly Tool[], selected: string | undefined, empty: string): void {
    // A keyboard user who deleted a row stays on the rows, at the same place.
    const rows = [...this.body.children];
    const focused = rows.findIndex((row) => row === document.activeElement || row.contains(document.activeElement));
    this.body.replaceChildren(...tools.map((tool) => this.row(tool, tool.id === selected)));
    if (focused >= 0) (this.body.children[Math.min(focused, this.body.children.length - 1)] as HTMLElement | undefined)?.focus();
    if (tools.length === 0) this.body.append(element('vscode-table-row', {}, element('vscode-table-cell', { class: 'empty' }, empty)));
  }

  private row(tool: Tool, selected: boolean): HTMLElement {
    const button = (label: string, action: (tool: Tool) => void) => {
      const created = element('vscode-button', { secondary: true, 'aria-label': `${label} ${tool.name}` }, label);
      created.addEventListener('click', () => action(tool));
      return created;
    };
    const health = healthSummary(tool);
    const row = element(
      'vscode-table-row',
      {
        tabindex: '0',
        'data-id': tool.id,
        'aria-selected': selected ? 'true' : 'false',
        class: selected ? 'selected' : undefined,
        'aria-label': `${tool.name}, ${tool.category}, ${health.text}`,
      },
      element('vscode-table-cell', { class: 'name', title: tool.url }, tool.name, element('div', { class: 'url' }, tool.url)),
      element(
        'vscode-table-cell',
        { class: 'category' },
        tool.category,
        element('div', { class: 'tags' }, ...tool.tags.map((tag) => element('vscode-badge', { variant: 'default' }, tag))),
      ),
      element(
        'vscode-table-cell',
        { class: `health health-${health.kind}`, title: tool.health ? `Checked at ${tool.health.checkedAt}` : undefined },
        element('span', { class: 'mark', 'aria-hidden': 'true' }, healthMarks[health.kind]),
        ` ${health.text}`,
      ),
      element(
        'vscode-table-cell',
        { class: 'row-actions' },
        button('Open', this.events.open),
        button('Edit', this.events.edit),
        button('Delete', this.events.delete),
      ),
    );
    row.addEventListener('focus', () => this.events.select(tool));
    row.addEventListener('keydown', (event) => {
      if (event.target !== row) return;
      const action = { Delete: this.events.delete, Enter: this.events.edit, o: this.events.open }[event.key];
      if (action) {
        event.preventDefault();
        action(tool);
      }
    });
    return row;
  }
}
