// Keeps the tree's row objects stable across refreshes, so only rows that really changed are
// handed back to VS Code (which matches elements by identity). No `vscode` import: unit-tested
// and benchmarked.
import { isLeafRow, type Row } from './labs-tree-model';

/** How long the view gathers host changes before refreshing: bursts of events become one refresh. */
export const refreshDelayMs = 30;

export interface Reconciled {
  roots: Row[];
  /** Rows whose own look changed or whose children changed; refresh these. */
  changed: Row[];
  /** True when the list of top-level rows itself changed: refresh the whole view. */
  rootsChanged: boolean;
}

function sameLook(a: Row, b: Row): boolean {
  return (
    a.label === b.label &&
    a.description === b.description &&
    a.tooltip === b.tooltip &&
    a.contextValue === b.contextValue &&
    a.icon.codicon === b.icon.codicon &&
    a.icon.color === b.icon.color
  );
}

function sameChildren(old: Row, children: readonly Row[]): boolean {
  if (isLeafRow(old) || old.children.length !== children.length) return false;
  for (let index = 0; index < children.length; index++) if (old.children[index] !== children[index]) return false;
  return true;
}

/** Rows by id, as VS Code last saw them. */
export class StableRows {
  private rows = new Map<string, Row>();

  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  reconcile(next: readonly Row[]): Reconciled {
    const seen = new Map<string, Row>();
    const changed: Row[] = [];
    const previousRootIds = this.rootIds;
    const roots = next.map((row) => this.keep(row, seen, changed));
    this.rows = seen;
    this.rootIds = roots.map((row) => row.id).join('\n');
    return { roots, changed, rootsChanged: previousRootIds !== this.rootIds };
  }

  private rootIds = '';

  /** The row to show for `row`: the old object, updated in place, when one has its id. */
  private keep(row: Row, seen: Map<string, Row>, changed: Row[]): Row {
    const old = this.rows.get(row.id);
    // A row reused as it was (labs-tree-model.ts's cache) is unchanged.
    if (old === row && isLeafRow(row)) {
      seen.set(row.id, row);
      return row;
    }
    const children = isLeafRow(row) ? undefined : row.children.map((child) => this.keep(child, seen, changed));
    if (!old || old.kind !== row.kind) {
      if (children) (row as { children: Row[] }).children = children;
      seen.set(row.id, row);
      return row;
    }
    // Kept children are the old objects, so identity says whether the list is the same.
    const childrenChanged = children !== undefined && !sameChildren(old, children);
    const lookChanged = !sameLook(old, row);
    Object.assign(old, row);
    if (children) (old as { children: Row[] }).children = children;
    if (lookChanged || childrenChanged) changed.push(old);
    seen.set(row.id, old);
    return old;
  }
}
