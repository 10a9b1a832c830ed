// The tree benchmarks' cost of one refreshed row: what VS Code does per row in the extension host,
// making its tree item and serializing it for the window.
import type { RowLook } from '../src/tree-row-look';

export function serializedTreeItem(row: RowLook): string {
  return JSON.stringify({
    label: row.label,
    id: row.id,
    description: row.description,
    tooltip: row.tooltip,
    contextValue: row.contextValue,
    icon: row.icon,
  });
}
