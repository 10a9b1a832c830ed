// Completions the schema cannot offer: network and VM names declared in the lab, and catalog
// images. The context comes from the text around the cursor, since a line being typed is
// often not valid YAML yet.
import { CompletionItemKind } from 'vscode-languageserver-types';
import type { CompletionItem, Position } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { scanLabOutline, type LabOutline, type OutlineItem } from './lab-outline';
import { elementAt } from './element-at';

export type CompletionContext = 'vm-network' | 'vm-network-item' | 'depends-on' | 'image' | undefined;

interface KeyLine {
  key: string;
  column: number;
}

const keyLinePattern = /^(\s*)((?:-\s+)*)([A-Za-z_][\w-]*)\s*:\s*(#.*)?$/;

/** The key whose block value holds the line at `lineNumber`, indented at `column`. */
function parentKey(lines: (line: number) => string, lineNumber: number, column: number, isSequenceItem: boolean): KeyLine | undefined {
  for (let line = lineNumber - 1; line >= 0 && lineNumber - line < 10_000; line--) {
    const text = lines(line);
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    const indent = text.length - text.trimStart().length;
    const match = keyLinePattern.exec(text);
    if (match) {
      const keyColumn = elementAt(match, 1).length + elementAt(match, 2).length;
      // A sequence may sit at its key's own indentation (`key:` then `- item`).
      if (keyColumn < column || (isSequenceItem && keyColumn === column && match[2] === '')) {
        return { key: elementAt(match, 3), column: keyColumn };
      }
    }
    if (indent < column) {
      // The enclosing line is not a bare `key:`; look through a `- ` item it starts.
      const item = /^(\s*)((?:-\s+)+)/.exec(text);
      if (item && item[0].length <= column) return parentKey(lines, line, indent, true);
      return undefined;
    }
  }
  return undefined;
}

export function completionContextAt(document: TextDocument, position: Position, rootColumn: number): CompletionContext {
  const lines = (line: number): string =>
    document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
  const prefix = document.getText({ start: { line: position.line, character: 0 }, end: position });
  const isVmNetworks = (key: KeyLine | undefined): boolean => key?.key === 'networks' && key.column > rootColumn;

  if (/(?:^|[\s{,])os_image\s*:\s*["']?[\w.-]*$/.test(prefix)) return 'image';
  const flow = /(?:^|[\s{,])(depends_on|networks)\s*:\s*\[([^\]]*)$/.exec(prefix);
  if (flow) {
    const keyColumn = prefix.indexOf(elementAt(flow, 1), flow.index);
    if (flow[1] === 'depends_on') return 'depends-on';
    if (keyColumn > rootColumn && !/[{:]/.test(elementAt(flow, 2).split(',').pop() ?? '')) return 'vm-network';
    if (keyColumn > rootColumn && /\{\s*name\s*:\s*["']?[\w.-]*$/.test(elementAt(flow, 2))) return 'vm-network';
    return undefined;
  }
  const dashItem = /^(\s*)-\s+["']?[\w.-]*$/.exec(prefix);
  if (dashItem) {
    const key = parentKey(lines, position.line, elementAt(dashItem, 1).length, true);
    if (key?.key === 'depends_on') return 'depends-on';
    if (isVmNetworks(key)) return 'vm-network-item';
    return undefined;
  }
  const nameKey = /^(\s*)(-\s+)?name\s*:\s*["']?[\w.-]*$/.exec(prefix);
  if (nameKey) {
    // `name:` of a `{name, ip}` entry in a VM's networks.
    let itemColumn = elementAt(nameKey, 1).length;
    let itemLine = position.line;
    if (!nameKey[2]) {
      for (let line = position.line - 1; line >= 0; line--) {
        const text = lines(line);
        const item = /^(\s*)-\s+/.exec(text);
        if (item && item[0].length === itemColumn) {
          itemColumn = elementAt(item, 1).length;
          itemLine = line;
          break;
        }
        const indent = text.length - text.trimStart().length;
        if (text.trim() !== '' && indent < itemColumn) return undefined;
      }
    }
    if (isVmNetworks(parentKey(lines, itemLine, itemColumn, true))) return 'vm-network';
  }
  return undefined;
}

/** Indentation of the first content line from `start`: the column of the lab's keys. */
function rootColumnOf(text: string, start: number): number {
  const match = /^([ ]*)[^\s#-]/m.exec(start === 0 ? text : text.slice(start, start + 65_536));
  return match ? elementAt(match, 1).length : 0;
}

function itemAt(items: OutlineItem[], offset: number): OutlineItem | undefined {
  let found: OutlineItem | undefined;
  for (const item of items) {
    if (item.start <= offset) found = item;
    else break;
  }
  return found;
}

export interface LabCompletionResult {
  context: CompletionContext;
  items: CompletionItem[];
}

export function labCompletions(document: TextDocument, position: Position, imageNames: readonly string[]): LabCompletionResult {
  const text = document.getText();
  const offset = document.offsetAt(position);
  // In a multi-document file, only the document holding the cursor.
  const separator = /^---/gm;
  let documentStart = 0;
  let documentEnd = text.length;
  for (let match = separator.exec(text); match; match = separator.exec(text)) {
    if (match.index <= offset) documentStart = match.index;
    else {
      documentEnd = match.index;
      break;
    }
  }
  const context = completionContextAt(document, position, rootColumnOf(text, documentStart));
  if (!context) return { context, items: [] };

  const prefix = document.getText({ start: { line: position.line, character: 0 }, end: position });
  const word = prefix.slice(prefix.search(/[\w.-]*$/));
  const replace = { start: { line: position.line, character: position.character - word.length }, end: position };
  const item = (label: string, kind: CompletionItemKind, detail: string): CompletionItem => ({
    label,
    kind,
    detail,
    sortText: `0-${label}`,
    textEdit: { range: replace, newText: label },
  });
  const names = (items: OutlineItem[], except?: OutlineItem): string[] => [
    ...new Set(items.filter((entry) => entry !== except && entry.name !== '').map((entry) => entry.name)),
  ];

  if (context === 'image') return { context, items: imageNames.map((name) => item(name, CompletionItemKind.Value, 'Catalog image')) };
  const outline: LabOutline = scanLabOutline(text.slice(documentStart, documentEnd));
  if (context === 'vm-network' || context === 'vm-network-item') {
    return { context, items: names(outline.networks).map((name) => item(name, CompletionItemKind.Reference, 'Network of this lab')) };
  }
  const current = itemAt(outline.vms, offset - documentStart);
  const others = names(outline.vms, current).filter((name) => name !== current?.name);
  return { context, items: others.map((name) => item(name, CompletionItemKind.Reference, 'VM of this lab')) };
}
