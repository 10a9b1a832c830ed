// A line scan of a lab for the names completion offers. Completion runs on every keystroke,
// often on text that does not parse yet, and must not wait for a full parse of a large lab.
import { elementAt } from './element-at';

export interface OutlineItem {
  name: string;
  /** Offset where the item (its `-`) starts. */
  start: number;
}

export interface LabOutline {
  /** Column of the lab's top-level keys. */
  rootColumn: number;
  networks: OutlineItem[];
  vms: OutlineItem[];
}

function cleanValue(raw: string): string {
  const withoutComment = raw.replace(/\s+#.*$/, '').trim();
  return withoutComment.replace(/^(["'])(.*)\1$/, '$2');
}

export function scanLabOutline(text: string): LabOutline {
  const outline: LabOutline = { rootColumn: -1, networks: [], vms: [] };
  let section: 'networks' | 'vms' | undefined;
  let itemIndent = -1;
  let contentColumn = -1;
  let current: OutlineItem | undefined;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const start = lineStart;
    lineStart = lineEnd + 1;
    // Most lines are skipped from their first character, without slicing them.
    let first = start;
    while (first < lineEnd && text.charCodeAt(first) === 32) first++;
    const firstCharacter = text[first];
    if (first >= lineEnd || firstCharacter === '#' || firstCharacter === '\r' || firstCharacter === '\t') continue;
    const indent = first - start;
    if (outline.rootColumn < 0) {
      if (text.startsWith('---', first) || firstCharacter === '%') continue;
      outline.rootColumn = indent;
    }
    if (indent <= outline.rootColumn) {
      const key = /^([\w-]+)\s*:/.exec(text.slice(first, Math.min(lineEnd, first + 80)))?.[1];
      section = key === 'networks' || key === 'vms' ? key : undefined;
      itemIndent = -1;
      current = undefined;
      continue;
    }
    if (!section || (firstCharacter !== '-' && firstCharacter !== 'n')) continue;
    const line = text.slice(start, lineEnd).replace(/\r$/, '');
    const dash = /^(\s*)-(\s+)(.*)$/.exec(line);
    if (dash && (itemIndent < 0 || elementAt(dash, 1).length === itemIndent)) {
      itemIndent = elementAt(dash, 1).length;
      contentColumn = itemIndent + 1 + elementAt(dash, 2).length;
      current = { name: '', start: start + itemIndent };
      outline[section].push(current);
      const rest = elementAt(dash, 3);
      const flowName = /^\{.*?\bname\s*:\s*([^,}\s]+)/.exec(rest);
      const blockName = /^name\s*:\s*(.*)$/.exec(rest);
      if (flowName) current.name = cleanValue(elementAt(flowName, 1));
      else if (blockName) current.name = cleanValue(elementAt(blockName, 1));
      continue;
    }
    if (current && indent === contentColumn) {
      const blockName = /^name\s*:\s*(.*)$/.exec(line.slice(indent));
      if (blockName) current.name = cleanValue(elementAt(blockName, 1));
    }
  }
  return outline;
}
