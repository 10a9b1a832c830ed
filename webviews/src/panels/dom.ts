// Builds elements from data with textContent and attributes only: nothing from an expense is
// ever parsed as HTML.

type Child = Node | string | undefined;

export function element<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag | string,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const created = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) created.setAttribute(name, '');
    else if (typeof value === 'string') created.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined) created.append(child);
  return created;
}

/** The value of a vscode-textfield or vscode-single-select. */
export function fieldValue(field: Element): string {
  return (field as HTMLInputElement).value ?? '';
}

export function setValue(field: Element, value: string): void {
  (field as HTMLInputElement).value = value;
}
