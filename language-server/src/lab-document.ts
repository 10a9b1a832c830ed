// yaml's Composer turns tokens into a Document with code written for every kind of YAML token:
// after the fast tokens (lab-syntax-tokens.ts) it was the largest part of `vlm validate` on a
// large lab. The fast path's tokens come in a few shapes only (block maps and sequences, one-line
// scalars, flow sequences of plain words, literal blocks, comments and blank lines), so this
// module builds the same Document from them directly: the same node classes, values, tags,
// ranges, comments, blank-line marks and source tokens. Whatever would make the Composer report
// a problem or take a path not written here (a duplicate key, an escape in double quotes, a
// folded block, options that change composing) declines, and the Composer runs.
// lab-syntax-tokens.test.ts compares both Documents on many labs and mutations.
import { Document, isScalar, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { CST, Node, Schema } from 'yaml';

type SourceToken = CST.SourceToken;

/** Thrown (and caught below) where the Composer would do something this module does not. */
class Declined extends Error {}

function decline(): never {
  throw new Declined();
}

/** What the tokens before a node say about it. */
interface Leading {
  spaceBefore: boolean;
  comment: string;
}

const nothingBefore: Leading = { spaceBefore: false, comment: '' };

/** The schema's own fields this module reads: the fallback string tag is keyed by a symbol. */
type ScalarTag = {
  default?: boolean | 'key';
  test?: RegExp;
  format?: string;
  resolve: (value: string, onError: (message: string) => void, options: unknown) => unknown;
};
type SchemaFields = { compat?: unknown; tags: ScalarTag[] };
const stringTagKey = Symbol.for('yaml.scalar');

interface Context {
  schema: Schema;
  options: Document['options'];
  stringTag: ScalarTag;
  /** The tag each plain value resolved with: labs repeat the same keys and values many times. */
  plainTags: Map<string, ScalarTag>;
  /** Collection levels around the node being built, and the most seen (the root collection is 1). */
  levels: number;
  deepest: number;
}

/** The text of a comment token as the Composer keeps it: without '#', an empty one as one space. */
function commentText(token: SourceToken): string {
  return token.source.substring(1) || ' ';
}

/**
 * Blank lines, comments and the indicator (`-` or `:`) before a node, which must be there or not
 * as `indicator` says. A blank line marks the node, except after a sequence's `-`; comment lines
 * become its comment, joined by newlines.
 */
function leading(
  tokens: readonly SourceToken[],
  startOnNewline: boolean,
  indicator: 'seq-item-ind' | 'map-value-ind' | undefined,
): Leading {
  // A key straight after the previous item, the commonest case.
  if (tokens.length === 0 && indicator === undefined) return nothingBefore;
  let spaceBefore = false;
  let atNewline = startOnNewline;
  let hasSpace = startOnNewline;
  let comment = '';
  let separator = '';
  let found = false;
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
        hasSpace = true;
        break;
      case 'comment':
        if (!hasSpace) decline();
        comment = comment === '' ? commentText(token) : comment + separator + commentText(token);
        separator = '';
        atNewline = false;
        break;
      case 'newline':
        if (!atNewline) separator += token.source;
        else if (comment !== '') comment += token.source;
        else if (!found || indicator !== 'seq-item-ind') spaceBefore = true;
        atNewline = true;
        hasSpace = true;
        break;
      default:
        if (token.type !== indicator || found) decline();
        found = true;
        atNewline = indicator === 'seq-item-ind';
        hasSpace = false;
    }
  }
  if (found !== (indicator !== undefined)) decline();
  return { spaceBefore, comment };
}

/**
 * Spaces, comments and newlines after a node: its trailing comment, and where they end. Where the
 * Composer wants a space before a comment (`requireSpace`), one without declines.
 */
function trailing(tokens: readonly SourceToken[] | undefined, offset: number, requireSpace: boolean): { comment: string; end: number } {
  let comment = '';
  let separator = '';
  let hasSpace = false;
  let end = offset;
  for (const token of tokens ?? []) {
    if (token.type === 'comment') {
      if (requireSpace && !hasSpace) decline();
      comment = comment === '' ? commentText(token) : comment + separator + commentText(token);
      separator = '';
    } else if (token.type === 'newline') {
      if (comment !== '') separator += token.source;
      hasSpace = true;
    } else if (token.type === 'space') {
      hasSpace = true;
    } else {
      decline();
    }
    end += token.source.length;
  }
  return { comment, end };
}

/** The marks every node takes from what precedes it, and its source token. */
function finish<T extends Node>(context: Context, node: T, token: CST.Token, before: Leading): T {
  if (before.spaceBefore) node.spaceBefore = true;
  // Every scalar here has source text, so a comment before it is its commentBefore.
  if (before.comment !== '') node.commentBefore = before.comment;
  if (context.options.keepSourceTokens) (node as { srcToken?: CST.Token }).srcToken = token;
  return node;
}

/** The tag a scalar's value resolves with: plain ones by the schema's tests, others as strings. */
function tagOf(context: Context, value: string, plain: boolean): ScalarTag {
  if (!plain) return context.stringTag;
  let tag = context.plainTags.get(value);
  if (!tag) {
    const tags = (context.schema as unknown as SchemaFields).tags;
    tag = tags.find((candidate) => candidate.default === true && candidate.test?.test(value) === true) ?? context.stringTag;
    context.plainTags.set(value, tag);
  }
  return tag;
}

/** Lines of a literal block's body without the body's indentation, with the header's chomping. */
function literalValue(token: CST.BlockScalar, header: string): string {
  const lines = token.source.split('\n');
  lines.pop(); // the body ends with its last line's '\n'
  const first = lines[0] ?? decline();
  let indent = 0;
  while (first.charCodeAt(indent) === 32) indent++;
  const body = lines.map((line) => line.slice(indent)).join('\n');
  return header === '|-' ? body : `${body}\n`;
}

function scalar(context: Context, token: CST.Token, before: Leading): Scalar {
  let value: string;
  let type: Scalar.Type;
  let range: [number, number, number];
  let comment = '';
  if (token.type === 'block-scalar') {
    const [header, newline, ...rest] = token.props;
    if (header?.type !== 'block-scalar-header' || newline?.type !== 'newline' || rest.length > 0) decline();
    if (header.source !== '|' && header.source !== '|-') decline();
    value = literalValue(token, header.source);
    type = Scalar.BLOCK_LITERAL;
    const end = token.offset + header.source.length + newline.source.length + token.source.length;
    range = [token.offset, end, end];
  } else {
    if (token.type !== 'scalar' && token.type !== 'single-quoted-scalar' && token.type !== 'double-quoted-scalar') decline();
    const source = token.source;
    if (token.type === 'scalar') {
      value = source;
      type = Scalar.PLAIN;
    } else if (token.type === 'single-quoted-scalar') {
      value = source.slice(1, -1).replaceAll("''", "'");
      type = Scalar.QUOTE_SINGLE;
    } else {
      if (source.includes('\\')) decline();
      value = source.slice(1, -1);
      type = Scalar.QUOTE_DOUBLE;
    }
    const valueEnd = token.offset + source.length;
    const after = trailing(token.end, valueEnd, context.options.strict);
    comment = after.comment;
    range = [token.offset, valueEnd, after.end];
  }
  const tag = tagOf(context, value, token.type === 'scalar');
  let resolved: unknown;
  try {
    resolved = tag.resolve(value, decline, context.options);
  } catch {
    decline(); // the Composer reports it
  }
  const node = isScalar(resolved) ? resolved : new Scalar(resolved);
  node.range = range;
  node.source = value;
  node.type = type;
  if (tag.format) node.format = tag.format;
  if (comment !== '') node.comment = comment;
  return finish(context, node, token, before);
}

function blockMap(context: Context, token: CST.BlockMap, before: Leading): YAMLMap {
  const map = new YAMLMap(context.schema);
  const keys = new Set<unknown>();
  let offset = token.offset;
  for (const item of token.items) {
    if (!('key' in item) || !item.key || !item.sep || !item.value || item.key.type !== 'scalar') decline();
    if (item.key.indent !== token.indent) decline();
    const key = scalar(context, item.key, leading(item.start, true, undefined));
    // The Composer reports a key equal (===) to an earlier one; a Set also matches NaN to NaN,
    // which only declines more often.
    if (context.options.uniqueKeys !== false) {
      if (keys.has(key.value)) decline();
      keys.add(key.value);
    }
    const valueBefore = leading(item.sep, false, 'map-value-ind');
    const value = node(context, item.value, valueBefore);
    offset = (value.range as [number, number, number])[2];
    const pair = new Pair(key, value);
    if (context.options.keepSourceTokens) (pair as { srcToken?: unknown }).srcToken = item;
    map.items.push(pair);
  }
  map.range = [token.offset, offset, offset];
  return finish(context, map, token, before);
}

function blockSequence(context: Context, token: CST.BlockSequence, before: Leading): YAMLSeq {
  const sequence = new YAMLSeq(context.schema);
  let offset = token.offset;
  for (const item of token.items) {
    if (!item.value) decline();
    const value = node(context, item.value, leading(item.start, true, 'seq-item-ind'));
    offset = (value.range as [number, number, number])[2];
    sequence.items.push(value);
  }
  sequence.range = [token.offset, offset, offset];
  return finish(context, sequence, token, before);
}

function flowSequence(context: Context, token: CST.FlowCollection, before: Leading): YAMLSeq {
  if (token.start.source !== '[') decline();
  const sequence = new YAMLSeq(context.schema);
  sequence.flow = true;
  for (const [index, item] of token.items.entries()) {
    if ('key' in item || item.sep || !item.value || item.value.type !== 'scalar') decline();
    const [comma, space, ...rest] = item.start;
    const separated = comma?.type === 'comma' && space?.type === 'space' && rest.length === 0;
    if (index === 0 ? item.start.length > 0 : !separated) decline();
    sequence.items.push(scalar(context, item.value, nothingBefore));
  }
  const [close, ...after] = token.end;
  if (close?.type !== 'flow-seq-end') decline();
  const closeEnd = close.offset + close.source.length;
  const end = trailing(after, closeEnd, context.options.strict);
  if (end.comment !== '') decline();
  sequence.range = [token.offset, closeEnd, end.end];
  return finish(context, sequence, token, before);
}

function node(context: Context, token: CST.Token, before: Leading): Node {
  if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') {
    return scalar(context, token, before);
  }
  context.levels++;
  if (context.levels > context.deepest) context.deepest = context.levels;
  const built =
    token.type === 'block-map'
      ? blockMap(context, token, before)
      : token.type === 'block-seq'
        ? blockSequence(context, token, before)
        : flowSequence(context, token, before);
  context.levels--;
  return built;
}

// Documents built here, with their collection levels: the subset has no anchors and no aliases,
// so neither do they.
const built = new WeakMap<Document, number>();

/**
 * Whether `document` was built here and holds no error or warning: yaml-language-server's
 * validation (syntax problems, unused anchors) has nothing to report on it.
 */
export function builtClean(document: Document): boolean {
  return built.has(document) && document.errors.length === 0 && document.warnings.length === 0;
}

/**
 * How many collection levels a Document built here has (the root collection is level 1), or
 * undefined for any other. Documents are read as built: an edit spliced into one later
 * (vm-block-reparse.ts) is checked on its own.
 */
export function builtLevels(document: Document): number | undefined {
  return built.get(document);
}

/**
 * The Document yaml's Composer builds from `token` (one of the fast path's), given the Composer's
 * options and directives; undefined where this module declines.
 */
export function composeLabDocument(token: CST.Document, options: object, directives: unknown): Document.Parsed | undefined {
  try {
    if (token.start.length > 0 || !token.value) decline();
    const document = new Document(undefined, { ...options, _directives: directives } as never);
    const schema = document.schema as unknown as SchemaFields;
    const stringTag = (document.schema as unknown as Record<symbol, ScalarTag | undefined>)[stringTagKey] ?? decline();
    const context: Context = { schema: document.schema, options: document.options, stringTag, plainTags: new Map(), levels: 0, deepest: 0 };
    // Keys read by other rules: string keys only, tags only keys may take, a compatibility schema,
    // a function that decides which keys are equal.
    const { stringKeys, uniqueKeys } = document.options;
    if (stringKeys || typeof uniqueKeys === 'function' || schema.compat || schema.tags.some((tag) => tag.default === 'key')) decline();
    const contents = node(context, token.value, nothingBefore);
    const contentEnd = (contents.range as [number, number, number])[2];
    const end = trailing(token.end, contentEnd, false);
    document.contents = contents;
    if (end.comment !== '') document.comment = end.comment;
    document.range = [token.offset, contentEnd, end.end];
    built.set(document, context.deepest);
    return document as Document.Parsed;
  } catch (error) {
    if (error instanceof Declined) return undefined;
    throw error;
  }
}
