// At 1000 VMs nearly all of a validation is the YAML parse. An edit inside one VM's block of `vms:`
// is re-parsed for that block alone and spliced into the previous parse, the ranges after it
// shifted, so the checks that follow read the same tree a full parse would give. Anything this
// cannot prove equivalent (an edit across blocks or outside `vms:`, broken YAML, anchors or
// aliases, a changed item count, directives) returns undefined: the caller parses in full.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, YAMLMap, YAMLSeq } from 'yaml';
import type { InputLimits } from './input-guards';
import { measureDocument } from './parse-guard';

/** One edit as offsets: `[start, oldEnd)` of the old text became `[start, newEnd)` of the new text. */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Where each VM's block of lines starts, and where the last one ends. */
interface VmLayout {
  sequence: YAMLSeq;
  /** Column of every item's `-`. */
  dashColumn: number;
  /** Offset of the first line of each item. */
  blockStarts: number[];
  /** Offset where the last item's lines end. */
  end: number;
}

/** A parse that later edits can be spliced into. Its document is changed in place. */
export interface ReparseBase {
  text: string;
  document: Document;
  layout: VmLayout;
}

// The options yaml-language-server composes with (yamlParser07.parse), so values and errors match.
const composeOptions = { strict: false, version: '1.2' as const, customTags: [], keepSourceTokens: true };

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Whether a node or anything below it has an anchor or is an alias. */
function usesAnchors(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (isAlias(node)) return true;
  if ((isScalar(node) || isCollection(node)) && node.anchor) return true;
  if (isPair(node)) return usesAnchors(node.key) || usesAnchors(node.value);
  if (isCollection(node)) return (node.items as unknown[]).some(usesAnchors);
  return false;
}

/** Adds `by` to every range offset of a node and everything below it that `shift` says moves. */
function shiftRanges(node: unknown, shift: (offset: number) => number): void {
  if (node === null || typeof node !== 'object') return;
  if (isPair(node)) {
    shiftRanges(node.key, shift);
    shiftRanges(node.value, shift);
    return;
  }
  const range = (node as Node).range;
  if (range) (node as Node).range = [shift(range[0]), shift(range[1]), shift(range[2])];
  if (isCollection(node)) for (const item of node.items as unknown[]) shiftRanges(item, shift);
}

/** The end of the last item's block: the first later line, not blank nor a comment, at or left of the dash. */
function lastBlockEnd(text: string, from: number, dashColumn: number): number {
  const pattern = /\n( *)([^ \r\n#])/g;
  pattern.lastIndex = text.indexOf('\n', from);
  if (pattern.lastIndex < 0) return text.length;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if ((match[1] ?? '').length <= dashColumn) return match.index + 1;
  }
  return text.length;
}

/** The layout of a lab's `vms:` block list, or undefined when it is not a plain one. */
function layoutOf(text: string, document: Document): VmLayout | undefined {
  const root = document.contents;
  if (!isMap(root) || root.flow) return undefined;
  const vmsPair = root.items.find((pair) => isScalar(pair.key) && pair.key.value === 'vms');
  const sequence = vmsPair?.value;
  if (!isSeq(sequence) || sequence.flow || sequence.items.length === 0) return undefined;
  const blockStarts: number[] = [];
  let dashColumn = -1;
  for (const item of sequence.items) {
    if (!isMap(item) || !item.range) return undefined;
    const lineStart = lineStartOf(text, item.range[0]);
    const prefix = /^( *)- +$/.exec(text.slice(lineStart, item.range[0]));
    const column = prefix?.[1]?.length;
    if (column === undefined || (dashColumn >= 0 && column !== dashColumn)) return undefined;
    dashColumn = column;
    blockStarts.push(lineStart);
  }
  const last = blockStarts[blockStarts.length - 1] as number;
  return { sequence: sequence as YAMLSeq, dashColumn, blockStarts, end: lastBlockEnd(text, last, dashColumn) };
}

/** A base for later edits, when the parse is a single lab document with no syntax problems. */
export function reparseBase(text: string, documents: readonly Document[]): ReparseBase | undefined {
  const [document] = documents;
  if (!document || documents.length !== 1) return undefined;
  if (document.errors.length > 0 || document.warnings.length > 0 || text.startsWith('%') || text.includes('\n%')) return undefined;
  const layout = layoutOf(text, document);
  return layout ? { text, document, layout } : undefined;
}

/** The edit between two texts: their common prefix and suffix left out. */
export function changeBetween(before: string, after: string): TextChange {
  const shortest = Math.min(before.length, after.length);
  let start = 0;
  while (start < shortest && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < shortest - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, oldEnd: before.length - tail, newEnd: after.length - tail };
}

/** Whether `change` really describes how `before` became `after`. */
export function describesChange(before: string, after: string, change: TextChange): boolean {
  const { start, oldEnd, newEnd } = change;
  if (!(start >= 0 && start <= oldEnd && start <= newEnd && oldEnd <= before.length && newEnd <= after.length)) return false;
  if (before.length - oldEnd !== after.length - newEnd) return false;
  return before.slice(0, start) === after.slice(0, start) && before.slice(oldEnd) === after.slice(newEnd);
}

/** Lines after the first must stay right of the dash (blank and comment lines aside). */
function staysInsideItem(block: string, dashColumn: number): boolean {
  const pattern = /\n( *)([^ \r\n#])/g;
  for (let match = pattern.exec(block); match; match = pattern.exec(block)) {
    if ((match[1] ?? '').length <= dashColumn) return false;
  }
  return true;
}

/** The block's one item, parsed alone, when it parses cleanly and as a single plain mapping. */
function parseBlock(block: string, dashColumn: number, limits: InputLimits): YAMLMap | undefined {
  if (!staysInsideItem(block, dashColumn)) return undefined;
  const parsed = parseDocument(block, composeOptions);
  if (parsed.errors.length > 0 || parsed.warnings.length > 0) return undefined;
  const sequence = parsed.contents;
  if (!isSeq(sequence) || sequence.flow || sequence.items.length !== 1) return undefined;
  const item = sequence.items[0];
  const firstLineEnd = block.indexOf('\n');
  if (!isMap(item) || !item.range || (firstLineEnd >= 0 && item.range[0] > firstLineEnd) || usesAnchors(item)) return undefined;
  // Within the lab the item sits one level deeper (root mapping, then `vms`) than here.
  if (measureDocument(parsed, { ...limits, maxNestingDepth: limits.maxNestingDepth - 1 })) return undefined;
  return item as YAMLMap;
}

/**
 * Splices `text` (the base's text after `change`) into the base: true when done, false when the
 * edit needs a full parse (the base is then unchanged and must not be used again).
 */
export function reparseVmBlock(base: ReparseBase, text: string, change: TextChange, limits: InputLimits): boolean {
  const { layout, document } = base;
  const { blockStarts, dashColumn } = layout;
  // The block whose dash is left of the edit's start; the edit must end within that block.
  let index = -1;
  for (let low = 0, high = blockStarts.length - 1; low <= high; ) {
    const middle = (low + high) >> 1;
    if ((blockStarts[middle] as number) + dashColumn < change.start) {
      index = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  if (index < 0) return false;
  const blockStart = blockStarts[index] as number;
  const blockEnd = index + 1 < blockStarts.length ? (blockStarts[index + 1] as number) : layout.end;
  if (change.oldEnd > blockEnd) return false;
  const oldItem = layout.sequence.items[index] as Node;
  if (usesAnchors(oldItem) || !oldItem.range) return false;
  const delta = change.newEnd - change.oldEnd;
  // The next block (or what follows the list) must still start a line of its own.
  const newBlockEnd = blockEnd + delta;
  if (newBlockEnd < text.length && text.charCodeAt(newBlockEnd - 1) !== 10) return false;
  const newItem = parseBlock(text.slice(blockStart, newBlockEnd), dashColumn, limits);
  if (!newItem?.range) return false;
  shiftRanges(newItem, (offset) => offset + blockStart);
  const oldRange = oldItem.range;
  const newRange = newItem.range as [number, number, number];
  const dash = blockStart + dashColumn;
  // Offsets after the block move by delta; an enclosing node's offset inside it must be one of the item's.
  let consistent = true;
  const moved = (offset: number): number => {
    if (offset <= dash) return offset;
    if (offset >= blockEnd) return offset + delta;
    const position = oldRange.indexOf(offset);
    if (position < 0) consistent = false;
    return newRange[position] ?? offset;
  };
  const enclosing: Array<{ range?: [number, number, number] | null }> = [document, document.contents as Node, layout.sequence];
  const enclosingRanges = enclosing.map((node) => (node.range ? (node.range.map(moved) as [number, number, number]) : node.range));
  if (!consistent) return false;
  enclosing.forEach((node, position) => {
    node.range = enclosingRanges[position];
  });
  const after = (offset: number): number => offset + delta;
  layout.sequence.items[index] = newItem;
  for (const item of layout.sequence.items.slice(index + 1)) shiftRanges(item, after);
  const root = document.contents as YAMLMap;
  const vmsAt = root.items.findIndex((pair) => pair.value === layout.sequence);
  for (const pair of root.items.slice(vmsAt + 1)) shiftRanges(pair, after);
  for (let position = index + 1; position < blockStarts.length; position++)
    blockStarts[position] = (blockStarts[position] as number) + delta;
  layout.end += delta;
  base.text = text;
  return true;
}
