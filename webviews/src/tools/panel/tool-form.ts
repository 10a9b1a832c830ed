// The form that adds a tool, or edits one: each field a vscode-textfield, checked here for a quick
// answer and again by the extension, which is the one that saves.
import type { Tool, ToolFields } from '@vlm/schemas';
import { element, fieldValue, setValue } from '../../panels/dom';
import { parseTags, toolFieldsProblems, toolLimits } from '../model/tool-fields';
import { maxUrlLength, normalizedToolUrl } from '../model/tool-url';

export interface ToolFormEvents {
  submit(fields: ToolFields, editing: string | undefined): void;
  problem(message: string): void;
}

export class ToolForm {
  readonly root: HTMLElement;
  private readonly name = element('vscode-textfield', { id: 'tool-name', maxlength: String(toolLimits.name), placeholder: 'Grafana' });
  private readonly url = element('vscode-textfield', {
    id: 'tool-url',
    maxlength: String(maxUrlLength),
    placeholder: 'https://grafana.example.com',
  });
  private readonly category = element('vscode-textfield', {
    id: 'tool-category',
    maxlength: String(toolLimits.category),
    placeholder: 'monitoring',
  });
  private readonly tags = element('vscode-textfield', { id: 'tool-tags', placeholder: 'ops, metrics' });
  private readonly notes = element('vscode-textarea', {
    id: 'tool-notes',
    rows: '1',
    resize: 'vertical',
    maxlength: String(toolLimits.notes),
  });
  private readonly healthCheck = element('vscode-checkbox', { id: 'tool-health-check', label: 'Check health', checked: true });
  private readonly save = element('vscode-button', { id: 'tool-save' }, 'Add');
  private readonly cancel = element('vscode-button', { id: 'tool-cancel', secondary: true, hidden: true }, 'Cancel');
  private editing: Tool | undefined;

  constructor(private readonly events: ToolFormEvents) {
    const labelled = (text: string, field: HTMLElement) => {
      field.setAttribute('aria-label', text);
      return element('label', { class: 'field' }, element('span', {}, text), field);
    };
    this.root = element(
      'form',
      { class: 'tool-form', 'aria-label': 'Add a tool' },
      labelled('Name', this.name),
      labelled('URL', this.url),
      labelled('Category', this.category),
      labelled('Tags (comma-separated)', this.tags),
      labelled('Notes', this.notes),
      element('div', { class: 'field checkbox' }, this.healthCheck),
      element('div', { class: 'actions' }, this.save, this.cancel),
    );
    this.save.addEventListener('click', () => this.submit());
    this.cancel.addEventListener('click', () => this.stopEditing());
    // Enter in any field adds, as in a native form; Escape leaves an edit.
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.target as Element).localName === 'vscode-textfield') {
        event.preventDefault();
        this.submit();
      } else if (event.key === 'Escape' && this.editing) {
        event.preventDefault();
        this.stopEditing();
      }
    });
    this.root.addEventListener('submit', (event) => event.preventDefault());
  }

  /** Fills the form with a tool to change; Save replaces it. */
  edit(tool: Tool): void {
    this.editing = tool;
    setValue(this.name, tool.name);
    setValue(this.url, tool.url);
    setValue(this.category, tool.category);
    setValue(this.tags, tool.tags.join(', '));
    setValue(this.notes, tool.notes);
    (this.healthCheck as HTMLInputElement).checked = tool.healthCheck;
    this.save.textContent = 'Save';
    this.cancel.hidden = false;
    this.root.setAttribute('aria-label', `Edit the tool ${tool.name}`);
    (this.name as HTMLElement).focus();
  }

  stopEditing(): void {
    this.editing = undefined;
    this.save.textContent = 'Add';
    this.cancel.hidden = true;
    this.root.setAttribute('aria-label', 'Add a tool');
    for (const field of [this.name, this.url, this.tags, this.notes]) setValue(field, '');
  }

  /** The id being edited, if any: the extension's answer may show it was deleted elsewhere. */
  get editingId(): string | undefined {
    return this.editing?.id;
  }

  private submit(): void {
    const fields: ToolFields = {
      name: fieldValue(this.name).trim(),
      url: fieldValue(this.url).trim(),
      category: fieldValue(this.category).trim(),
      tags: parseTags(fieldValue(this.tags)),
      notes: fieldValue(this.notes),
      healthCheck: (this.healthCheck as HTMLInputElement).checked,
    };
    const problems = toolFieldsProblems(fields);
    if (problems.length > 0) {
      this.events.problem(problems.map((problem) => `${problem}.`).join(' '));
      return;
    }
    fields.url = normalizedToolUrl(fields.url);
    this.events.submit(fields, this.editing?.id);
    // Focus moves first: the field left fires its change event with the text it had, which
    // would otherwise put back the text cleared below before the field redraws.
    (this.name as HTMLElement).focus();
    this.stopEditing();
  }
}
