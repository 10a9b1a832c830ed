// The `yaml` library's CST parser is most of the time `vlm validate` spends on a large lab: it is
// written for all of YAML, one generator step per lexeme. Labs use a small part of YAML (block
// maps and sequences, one-line scalars, small flow sequences, literal blocks, comments). For text
// wholly inside that part, this module builds the very tokens `Parser.parse` yields, in one pass
// over the lines, and calls the new-line callback as the Parser does. For anything else (tabs,
// anchors, tags, multi-line scalars, directives, odd indentation, any error) it declines, and the
// real Parser runs. The Document is then built from those tokens (lab-document.ts, or the
// Composer where that declines), so every diagnostic is what it was.
// lab-syntax-tokens.test.ts compares both on many labs and mutations.
import { Composer, Parser } from 'yaml';
import type { CST, Document } from 'yaml';
import { composeLabDocument } from './lab-document';

type SourceToken = CST.SourceToken;
type Token = CST.Token;

/** Thrown (and caught below) when the text leaves the subset this module knows. */
class Outside extends Error {}

function outside(): never {
  throw new Outside();
}

const keyPattern = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const flowItemPattern = /^[A-Za-z0-9_./][A-Za-z0-9_./=-]*$/;
// Characters a plain scalar may not start with here (YAML indicators, and '-' to keep it simple).
const plainStart = new Set('-?:,[]{}#&*!|>\'"%@` ');
// Each nesting level is one call deeper here and indented further: indentation this deep is
// declined, so no text can run the stack out.
const maxColumn = 240;
// Characters the text may not hold anywhere: they change the lexer's rules.
const foreignCharacter = /[\t\r\0\uFEFF\u0085\u2028\u2029]/;

interface Line {
  start: number;
  /** Offset of the line's '\n'. */
  end: number;
  /** Leading spaces. */
  column: number;
  /** Empty, a comment, or content. */
  kind: 'blank' | 'comment' | 'content';
}

function source(type: string, offset: number, indent: number, text: string): SourceToken {
  return { type, offset, indent, source: text } as SourceToken;
}

class LabTokenizer {
  private readonly lines: Line[] = [];
  /** Index of the next line nothing has consumed. */
  private next = 0;

  constructor(private readonly text: string) {
    let start = 0;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      if (end < 0) outside();
      let column = start;
      while (text.charCodeAt(column) === 32) column++;
      const kind = column === end ? 'blank' : text[column] === '#' ? 'comment' : 'content';
      if (kind === 'blank' && column !== start) outside(); // spaces alone on a line
      if (column - start > maxColumn) outside();
      this.lines.push({ start, end, column: column - start, kind });
      start = end + 1;
    }
  }

  tokens(): Token[] {
    const prelude = this.gap();
    const first = this.lines[this.next];
    if (first?.column !== 0) outside();
    const value = this.map(first.start, 0);
    const end = this.takeGap();
    if (this.next < this.lines.length) outside();
    const document: CST.Document = { type: 'document', offset: first.start, start: [], value };
    if (end.length > 0) document.end = end;
    return [...prelude, document];
  }

  /**
   * Blank and comment lines up to the next content line, and that line's indentation: where the
   * Parser puts them when every comment sits at the next content line's column (else declines).
   */
  private gap(): SourceToken[] {
    const tokens: SourceToken[] = [];
    let index = this.next;
    while (index < this.lines.length && this.lineAt(index).kind !== 'content') index++;
    const column = index < this.lines.length ? this.lineAt(index).column : 0;
    for (let at = this.next; at < index; at++) {
      const line = this.lineAt(at);
      if (line.kind === 'blank') {
        tokens.push(source('newline', line.start, 0, '\n'));
        continue;
      }
      if (line.column !== column) outside();
      if (column > 0) tokens.push(source('space', line.start, 0, ' '.repeat(column)));
      const comment = this.text.slice(line.start + column, line.end);
      tokens.push(source('comment', line.start + column, column, comment), source('newline', line.end, column, '\n'));
    }
    if (index < this.lines.length && column > 0) tokens.push(source('space', this.lineAt(index).start, 0, ' '.repeat(column)));
    this.next = index;
    return tokens;
  }

  /** Where `needle` first starts in the text between `from` and `end`, or -1. */
  private find(needle: string, from: number, end: number): number {
    const found = this.text.slice(from, end).indexOf(needle);
    return found < 0 ? -1 : from + found;
  }

  /** The content line the cursor is on, if any is left. */
  private current(): Line | undefined {
    return this.lines[this.next];
  }

  private lineAt(index: number): Line {
    return this.lines[index] as Line;
  }

  /** A block map whose first key starts at `offset`, at `column`, on the current line. */
  private map(offset: number, column: number): CST.BlockMap {
    const items: CST.BlockMap['items'] = [];
    let start: SourceToken[] = [];
    let at = offset;
    for (;;) {
      items.push(this.mapItem(start, at, column));
      const gap = this.takeGap();
      const line = this.current();
      if (!line || line.column < column) {
        this.pending = gap;
        return { type: 'block-map', offset, indent: column, items };
      }
      if (line.column > column || this.text.startsWith('- ', line.start + column)) outside();
      start = gap;
      at = line.start + column;
    }
  }

  /** The gap a nested collection ended on (it is the parent's to place), if one did. */
  private pending: SourceToken[] | undefined;

  /** The gap after an item: the one its nested collection ended on, or the one from here. */
  private takeGap(): SourceToken[] {
    const tokens = this.pending ?? this.gap();
    this.pending = undefined;
    return tokens;
  }

  private mapItem(start: SourceToken[], at: number, column: number): CST.BlockMap['items'][number] {
    const line = this.lineAt(this.next);
    const colon = this.find(':', at, line.end);
    if (colon < 0) outside();
    const key = this.text.slice(at, colon);
    if (!keyPattern.test(key)) outside();
    const sep: SourceToken[] = [source('map-value-ind', colon, column, ':')];
    const keyToken: CST.FlowScalar = { type: 'scalar', offset: at, indent: column, source: key };
    if (colon + 1 === line.end) {
      sep.push(source('newline', line.end, column, '\n'));
      this.next++;
      sep.push(...this.gap());
      const inner = this.current();
      if (!inner || inner.column <= column) outside();
      const value = this.collection(inner);
      return { start, key: keyToken, sep, value };
    }
    let value = colon + 1;
    while (this.text.charCodeAt(value) === 32) value++;
    if (value === colon + 1 || value === line.end) outside();
    sep.push(source('space', colon + 1, column, this.text.slice(colon + 1, value)));
    const node = this.inlineValue(value, column, line);
    return { start, key: keyToken, sep, value: node };
  }

  /** The block map or sequence starting on `line`, as a value: consumes it and what follows. */
  private collection(line: Line): Token {
    const value = this.text.startsWith('- ', line.start + line.column)
      ? this.sequence(line.column)
      : this.map(line.start + line.column, line.column);
    return value;
  }

  private sequence(column: number): CST.BlockSequence {
    const items: CST.BlockSequence['items'] = [];
    const offset = this.lineAt(this.next).start + column;
    let start: SourceToken[] = [];
    for (;;) {
      const line = this.lineAt(this.next);
      const dash = line.start + column;
      start.push(source('seq-item-ind', dash, column, '-'), source('space', dash + 1, column + 1, ' '));
      const at = dash + 2;
      const first = this.text.charCodeAt(at);
      if (first === 32 || first === 10 || (first === 45 && this.text.charCodeAt(at + 1) === 32)) outside();
      if (this.looksLikeKey(at, line.end)) {
        items.push({ start, value: this.map(at, column + 2) });
      } else {
        const opening = this.text[at];
        if (opening === '[' || opening === '|' || opening === '>') outside();
        items.push({ start, value: this.inlineValue(at, column + 2, line) });
      }
      const gap = this.takeGap();
      const next = this.current();
      if (!next || next.column < column) {
        this.pending = gap;
        return { type: 'block-seq', offset, indent: column, items };
      }
      if (next.column > column || !this.text.startsWith('- ', next.start + column)) outside();
      start = gap;
    }
  }

  /** Whether `key:` (followed by a space or the line's end) starts at `at`. */
  private looksLikeKey(at: number, end: number): boolean {
    const colon = this.find(':', at, end);
    if (colon < 0) return false;
    const after = this.text.charCodeAt(colon + 1);
    return (after === 32 || after === 10) && keyPattern.test(this.text.slice(at, colon));
  }

  /** A value that starts at `at` on `line`, after `key: ` or `- `; the line is then done. */
  private inlineValue(at: number, indent: number, line: Line): Token {
    const first = this.text.charAt(at);
    if (first === '|' || first === '>') return this.blockScalar(at, indent, line);
    if (first === '[') return this.flowSequence(at, indent, line);
    let close: number;
    let type: CST.FlowScalar['type'];
    if (first === "'") {
      type = 'single-quoted-scalar';
      close = at + 1;
      for (;;) {
        close = this.find("'", close, line.end);
        if (close < 0) outside();
        if (this.text[close + 1] !== "'") break;
        close += 2;
      }
      close++;
    } else if (first === '"') {
      type = 'double-quoted-scalar';
      close = at + 1;
      for (;;) {
        const c = this.text[close];
        if (close >= line.end) outside();
        if (c === '\\') close += 2;
        else if (c === '"') break;
        else close++;
      }
      if (close >= line.end) outside();
      close++;
    } else {
      if (plainStart.has(first)) outside();
      type = 'scalar';
      const hash = this.find(' #', at, line.end);
      close = hash >= 0 ? hash : line.end;
      while (this.text.charCodeAt(close - 1) === 32) close--;
      const plain = this.text.slice(at, close);
      if (plain.includes(': ') || plain.endsWith(':')) outside();
    }
    const end = this.lineEnd(close, indent, line);
    this.next++;
    return { type, offset: at, indent, source: this.text.slice(at, close), end };
  }

  /** Spaces, a comment and the newline after a value that ends at `at`. */
  private lineEnd(at: number, indent: number, line: Line): SourceToken[] {
    const end: SourceToken[] = [];
    let position = at;
    while (this.text.charCodeAt(position) === 32) position++;
    if (position > at) {
      if (position !== line.end && this.text[position] !== '#') outside();
      end.push(source('space', at, indent, this.text.slice(at, position)));
    }
    if (position !== line.end) {
      if (this.text[position] !== '#' || position === at) outside();
      end.push(source('comment', position, indent, this.text.slice(position, line.end)));
    }
    end.push(source('newline', line.end, indent, '\n'));
    return end;
  }

  /** `[a, b]`, of plain words, alone on the rest of its line. */
  private flowSequence(at: number, indent: number, line: Line): CST.FlowCollection {
    const close = this.find(']', at, line.end);
    if (close < 0 || close + 1 !== line.end) outside();
    const items: CST.FlowCollection['items'] = [];
    let position = at + 1;
    if (close > position) {
      for (const word of this.text.slice(position, close).split(', ')) {
        if (!flowItemPattern.test(word)) outside();
        const start: SourceToken[] =
          position === at + 1 ? [] : [source('comma', position - 2, indent, ','), source('space', position - 1, indent, ' ')];
        items.push({ start, value: { type: 'scalar', offset: position, indent, source: word, end: [] } } as never);
        position += word.length + 2;
      }
    }
    const collection: CST.FlowCollection = {
      type: 'flow-collection',
      offset: at,
      indent,
      start: source('flow-seq-start', at, indent, '['),
      items,
      end: [source('flow-seq-end', close, indent, ']'), source('newline', line.end, indent, '\n')],
    };
    this.next++;
    return collection;
  }

  /** `|`, `|-`, `>` or `>-` ending its line, and the lines more indented than `indent` after it. */
  private blockScalar(at: number, indent: number, line: Line): CST.BlockScalar {
    const header = this.text.slice(at, line.end);
    if (header !== '|' && header !== '|-' && header !== '>' && header !== '>-') outside();
    this.next++;
    const body = this.current();
    if (!body || body.kind === 'blank' || body.column <= indent) outside();
    let last = this.next;
    let index = this.next;
    while (index < this.lines.length) {
      const candidate = this.lineAt(index);
      if (candidate.kind !== 'blank') {
        if (candidate.column < body.column) {
          if (candidate.column > indent) outside();
          break;
        }
        last = index;
      }
      index++;
    }
    this.next = last + 1;
    return {
      type: 'block-scalar',
      offset: at,
      indent,
      props: [source('block-scalar-header', at, indent, header), source('newline', line.end, indent, '\n')],
      source: this.text.slice(body.start, this.lineAt(last).end + 1),
    };
  }
}

/** The start of each line, as the Parser reports them: the input's start and after each '\n'. */
export function lineStarts(text: string, onNewLine: (offset: number) => void): void {
  onNewLine(0);
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) onNewLine(at + 1);
}

// Document tokens this module made: only those are composed by lab-document.ts.
const fastDocuments = new WeakSet<Token>();

/** The tokens `new Parser().parse(text)` yields, when the text is inside the lab subset. */
export function labSyntaxTokens(text: string): Token[] | undefined {
  if (text.length === 0 || foreignCharacter.test(text)) return undefined;
  try {
    const tokens = new LabTokenizer(text).tokens();
    fastDocuments.add(tokens[tokens.length - 1] as Token);
    return tokens;
  } catch (error) {
    if (error instanceof Outside) return undefined;
    throw error;
  }
}

const installed = Symbol.for('vlm.labSyntaxTokens');
/** How many `withLabSyntaxTokens` calls are running: outside them the Parser is yaml's own. */
let scopes = 0;

/**
 * Runs `parse` with the fast path in front of `Parser.parse` (yaml-language-server's parse calls
 * it once per document). Only inside: other users of `yaml` in the process (the benchmarks' plain
 * yaml-language-server) keep the Parser as it is.
 */
export function withLabSyntaxTokens<T>(parse: () => T): T {
  installLabSyntaxTokens();
  scopes++;
  try {
    return parse();
  } finally {
    scopes--;
  }
}

/** A fresh parser asked for a complete text, inside `withLabSyntaxTokens`, gets the fast tokens. */
function installLabSyntaxTokens(): void {
  // The Parser's own state, to tell a fresh parser: private in its types, so named here.
  type Parsing = { offset: number; stack: unknown[]; onNewLine?: (offset: number) => void; parse: Parser['parse'] };
  const prototype = Parser.prototype as unknown as Parsing & { [installed]?: boolean };
  if (prototype[installed]) return;
  const parse = prototype.parse;
  // Parsers given text before (in pieces, where the lexer may hold some back) are the Parser's.
  const used = new WeakSet<object>();
  prototype.parse = function* fastParse(this: Parsing, text: string, incomplete = false): Generator<Token, void> {
    const fresh = scopes > 0 && !used.has(this) && this.offset === 0 && this.stack.length === 0;
    used.add(this);
    const tokens = fresh && !incomplete ? labSyntaxTokens(text) : undefined;
    if (!tokens) return yield* parse.call(this, text, incomplete);
    if (this.onNewLine) lineStarts(text, this.onNewLine);
    this.offset = text.length;
    yield* tokens;
  };
  // The Composer's own state and steps, private in its types.
  type Composing = {
    doc: Document.Parsed | null;
    atDirectives: boolean;
    options: object;
    directives: unknown;
    decorate(document: Document.Parsed, afterDocument: boolean): void;
    next: Composer['next'];
  };
  const composerPrototype = Composer.prototype as unknown as Composing;
  const next = composerPrototype.next;
  // As the Composer's own step for a document token, with the Document built by lab-document.ts.
  composerPrototype.next = function* fastNext(this: Composing, token: Token): Generator<Document.Parsed, void> {
    const built =
      token.type === 'document' && fastDocuments.has(token) && !this.atDirectives
        ? composeLabDocument(token, this.options, this.directives)
        : undefined;
    if (!built) return yield* next.call(this, token);
    this.decorate(built, false);
    if (this.doc) yield this.doc;
    this.doc = built;
  };
  prototype[installed] = true;
}
