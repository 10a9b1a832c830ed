// Cheap checks that run before any YAML parsing, so hostile input (huge files, binary data,
// alias bombs, deep nesting) is refused in linear time instead of hanging the parser.
import { diagnosticCodes, type DiagnosticCode } from './diagnostic-codes';

export interface InputLimits {
  /** Largest document accepted, in UTF-8 bytes. */
  maxDocumentBytes: number;
  /** Most alias uses (`*name`) accepted. */
  maxAliases: number;
  /** Most nodes that alias uses may expand to, counted through nested anchors. */
  maxAliasExpansion: number;
  /** Deepest nesting of collections (block and flow together). */
  maxNestingDepth: number;
}

export const defaultInputLimits: InputLimits = {
  maxDocumentBytes: 4 * 1024 * 1024,
  maxAliases: 10_000,
  maxAliasExpansion: 100_000,
  maxNestingDepth: 100,
};

export interface InputProblem {
  code: DiagnosticCode;
  /** Offsets in the document text. */
  start: number;
  end: number;
  message: string;
}

export interface InputInspection {
  /** When set, the document must not be parsed; `problems` says why. */
  refused: boolean;
  problems: InputProblem[];
  /** Lines that use tabs for indentation (0-based), so parser duplicates can be dropped. */
  tabIndentedLines: Set<number>;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// C0 controls other than tab, LF and CR, DEL, the UTF-8 replacement character and non-characters:
// none can appear in a YAML text file.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this pattern is for.
const notTextCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD\uFFFE\uFFFF]/;

function describeCharacter(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
  if (codePoint === 0) return 'a NUL byte (U+0000)';
  if (codePoint === 0xfffd) return 'invalid UTF-8 (shown as the replacement character U+FFFD)';
  return `the control character U+${hex}`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line: line + 1, column: offset - lineStart + 1 };
}

export function inspectInput(text: string, limits: InputLimits = defaultInputLimits): InputInspection {
  const tabIndentedLines = new Set<number>();
  // Byte length is only computed when the character count could be over the limit.
  if (text.length > limits.maxDocumentBytes / 4) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > limits.maxDocumentBytes) {
      return {
        refused: true,
        tabIndentedLines,
        problems: [
          {
            code: diagnosticCodes.documentTooLarge,
            start: 0,
            end: 0,
            message: `The document is ${formatMegabytes(bytes)}; lab files are limited to ${formatMegabytes(limits.maxDocumentBytes)}. It was not validated.`,
          },
        ],
      };
    }
  }
  const badCharacter = notTextCharacter.exec(text);
  if (badCharacter) {
    const where = lineAndColumn(text, badCharacter.index);
    return {
      refused: true,
      tabIndentedLines,
      problems: [
        {
          code: diagnosticCodes.notText,
          start: badCharacter.index,
          end: badCharacter.index + 1,
          message: `Line ${where.line}, column ${where.column} holds ${describeCharacter(badCharacter[0])}: this is not a text file a lab can be read from. It was not validated.`,
        },
      ],
    };
  }
  return new StructureScanner(text, limits, tabIndentedLines).scan();
}

interface OpenAnchor {
  name: string;
  /** Nodes that alias uses inside the anchored node expand to. */
  expansion: number;
  /** The node ends when a later line is indented at most this much (block nodes)... */
  lineIndent: number;
  /** ...or when flow nesting falls back to this depth (flow collections). */
  flowDepth: number;
  kind: 'block' | 'flow';
}

const isBlank = (character: string | undefined): boolean =>
  character === ' ' || character === '\t' || character === '\r' || character === undefined;
const isFlowIndicator = (character: string | undefined): boolean =>
  character === ',' || character === '[' || character === ']' || character === '{' || character === '}';

/**
 * A small lexer that follows YAML's structure closely enough to measure nesting and
 * alias expansion: block indentation, flow brackets, quoted strings, comments and
 * block scalars (whose content is skipped).
 */
class StructureScanner {
  private readonly problems: InputProblem[] = [];
  private flowDepth = 0;
  private readonly indentStack: number[] = [];
  private readonly anchors: OpenAnchor[] = [];
  private readonly anchorExpansion = new Map<string, number>();
  private pendingAnchor: string | undefined;
  private aliasCount = 0;
  private totalExpansion = 0;
  /** Indentation of the line that opened a block scalar still being skipped, or -1. */
  private blockScalarParentIndent = -1;
  private openQuote: '"' | "'" | undefined;
  private refusal: InputProblem | undefined;
  private lineIndent = 0;

  constructor(
    private readonly text: string,
    private readonly limits: InputLimits,
    private readonly tabIndentedLines: Set<number>,
  ) {}

  scan(): InputInspection {
    const text = this.text;
    let lineNumber = 0;
    let lineStart = 0;
    while (lineStart <= text.length && !this.refusal) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = text.length;
      this.scanLine(lineStart, lineEnd, lineNumber);
      lineStart = lineEnd + 1;
      lineNumber++;
    }
    while (this.anchors.length > 0 && !this.refusal) this.closeAnchor();
    if (this.refusal) return { refused: true, problems: [this.refusal], tabIndentedLines: this.tabIndentedLines };
    return { refused: false, problems: this.problems, tabIndentedLines: this.tabIndentedLines };
  }

  private scanLine(start: number, end: number, lineNumber: number): void {
    const text = this.text;
    let position = start;
    while (position < end && text[position] === ' ') position++;
    const indent = position - start;
    let whitespaceEnd = position;
    while (whitespaceEnd < end && (text[whitespaceEnd] === ' ' || text[whitespaceEnd] === '\t')) whitespaceEnd++;
    const blank = whitespaceEnd >= end || text[whitespaceEnd] === '\r' || text[whitespaceEnd] === '#';

    if (this.blockScalarParentIndent >= 0) {
      if (blank || indent > this.blockScalarParentIndent) return; // content of the block scalar
      this.blockScalarParentIndent = -1;
    }
    if (this.openQuote) {
      position = this.skipQuoted(start, end, this.openQuote);
      if (this.openQuote) return;
      this.scanRest(position, end);
      return;
    }
    if (blank) return;
    if (this.flowDepth === 0 && whitespaceEnd > position) {
      // A tab before the first character of a block line is indentation, which YAML forbids.
      this.tabIndentedLines.add(lineNumber);
      this.problems.push({
        code: diagnosticCodes.yamlSyntax,
        start,
        end: whitespaceEnd,
        message: `Line ${lineNumber + 1} is indented with a tab. YAML allows only spaces for indentation; replace the tab with spaces.`,
      });
    }
    position = whitespaceEnd;
    this.lineIndent = indent;
    if (this.flowDepth === 0) {
      for (let anchor = this.anchors.at(-1); anchor?.kind === 'block' && anchor.lineIndent >= indent; anchor = this.anchors.at(-1)) {
        this.closeAnchor();
        if (this.refusal) return;
      }
      for (let top = this.indentStack.at(-1); top !== undefined && top >= indent; top = this.indentStack.at(-1)) this.indentStack.pop();
      this.indentStack.push(indent);
      // Compact nested sequences (`- - - x`) add one level per indicator.
      while ((text[position] === '-' || text[position] === '?') && isBlank(text[position + 1])) {
        position++;
        while (position < end && (text[position] === ' ' || text[position] === '\t')) position++;
        this.indentStack.push(position - start);
        if (!this.checkDepth(position)) return;
      }
      if (!this.checkDepth(position)) return;
    }
    this.scanRest(position, end);
  }

  private checkDepth(offset: number): boolean {
    const depth = this.indentStack.length + this.flowDepth;
    if (depth <= this.limits.maxNestingDepth) return true;
    this.refusal = {
      code: diagnosticCodes.nestingTooDeep,
      start: offset,
      end: Math.min(offset + 1, this.text.length),
      message: `Collections are nested more than ${this.limits.maxNestingDepth} levels deep here. A lab needs only a few levels; the document was not validated.`,
    };
    return false;
  }

  /** Scans the rest of a line after indentation: values, keys, flow collections, properties. */
  private scanRest(from: number, end: number): void {
    const text = this.text;
    let position = from;
    // At a value start a new node may begin; elsewhere in block context we are inside a plain scalar.
    let valueStart = true;
    while (position < end && !this.refusal) {
      const character = text.charAt(position);
      const previous = position > from ? text[position - 1] : ' ';
      if (character === ' ' || character === '\t' || character === '\r') {
        position++;
        continue;
      }
      if (character === '#' && isBlank(previous)) break; // comment
      if (this.flowDepth > 0 || valueStart) {
        if (character === '"' || character === "'") {
          this.nodeStarts(false);
          position = this.skipQuoted(position + 1, end, character);
          if (this.openQuote) return;
          valueStart = false;
          continue;
        }
        if (character === '[' || character === '{') {
          this.nodeStarts(true);
          this.flowDepth++;
          if (!this.checkDepth(position)) return;
          position++;
          continue;
        }
        if (character === '&' || character === '*' || character === '!') {
          let nameEnd = position + 1;
          while (nameEnd < end && !isBlank(text[nameEnd]) && !isFlowIndicator(text[nameEnd])) nameEnd++;
          const name = text.slice(position + 1, nameEnd);
          if (character === '&') {
            if (this.pendingAnchor !== undefined) this.nodeStarts(false);
            this.pendingAnchor = name;
          } else if (character === '*') {
            this.useAlias(name, position, nameEnd);
            valueStart = false;
          }
          position = nameEnd;
          continue;
        }
        if (this.flowDepth === 0 && (character === '|' || character === '>')) {
          this.nodeStarts(false);
          this.blockScalarParentIndent = this.lineIndent;
          return;
        }
      }
      if (this.flowDepth > 0) {
        if (character === ']' || character === '}') {
          this.flowDepth--;
          for (
            let anchor = this.anchors.at(-1);
            anchor?.kind === 'flow' && anchor.flowDepth >= this.flowDepth;
            anchor = this.anchors.at(-1)
          ) {
            this.closeAnchor();
          }
          position++;
          continue;
        }
        if (character === ',' || character === ':' || character === '?') {
          position++;
          continue;
        }
        // A plain scalar inside a flow collection: runs to the next indicator.
        this.nodeStarts(false);
        while (
          position < end &&
          !isFlowIndicator(text[position]) &&
          !(text[position] === ':' && (isBlank(text[position + 1]) || isFlowIndicator(text[position + 1]))) &&
          !(text[position] === '#' && isBlank(text[position - 1]))
        )
          position++;
        continue;
      }
      // Block context: a key, or a plain scalar that ends at `: ` (a key) or a comment.
      if ((character === '-' || character === '?' || character === ':') && isBlank(text[position + 1])) {
        valueStart = true;
        position++;
        continue;
      }
      if (valueStart) this.nodeStarts(false);
      valueStart = false;
      while (position < end) {
        const current = text[position];
        if (current === ':' && isBlank(text[position + 1])) break;
        if (current === '#' && isBlank(text[position - 1])) {
          position = end;
          break;
        }
        position++;
      }
    }
    if (this.flowDepth === 0 && valueStart && this.pendingAnchor !== undefined) {
      // `key: &anchor` at the end of a line: the node is the indented block below.
      this.openPendingAnchor('block');
    }
  }

  /** A node starts: an anchor waiting for it covers a collection or just a scalar. */
  private nodeStarts(collection: boolean): void {
    if (this.pendingAnchor === undefined) return;
    if (collection) this.openPendingAnchor('flow');
    else {
      this.anchorExpansion.set(this.pendingAnchor, 1);
      this.pendingAnchor = undefined;
    }
  }

  private openPendingAnchor(kind: 'block' | 'flow'): void {
    if (this.pendingAnchor === undefined) return;
    this.anchors.push({ name: this.pendingAnchor, expansion: 0, lineIndent: this.lineIndent, flowDepth: this.flowDepth, kind });
    this.pendingAnchor = undefined;
  }

  private closeAnchor(): void {
    const anchor = this.anchors.pop();
    if (!anchor) return;
    this.anchorExpansion.set(anchor.name, 1 + anchor.expansion);
    const parent = this.anchors[this.anchors.length - 1];
    if (parent) parent.expansion += anchor.expansion;
  }

  private useAlias(name: string, start: number, end: number): void {
    this.nodeStarts(false);
    this.aliasCount++;
    const expansion = this.anchorExpansion.get(name) ?? 1;
    this.totalExpansion += expansion;
    const innermost = this.anchors[this.anchors.length - 1];
    if (innermost) innermost.expansion += expansion;
    if (this.aliasCount > this.limits.maxAliases) {
      this.refusal = {
        code: diagnosticCodes.aliasLimit,
        start,
        end,
        message: `The document uses more than ${this.limits.maxAliases} aliases; it was not validated.`,
      };
    } else if (this.totalExpansion > this.limits.maxAliasExpansion) {
      this.refusal = {
        code: diagnosticCodes.aliasLimit,
        start,
        end,
        message:
          `Aliases here expand to more than ${this.limits.maxAliasExpansion} nodes (alias '*${name}' alone stands for ${expansion}); ` +
          'this looks like an alias bomb and the document was not validated.',
      };
    }
  }

  /** Skips a quoted scalar from just after its opening quote; it may continue on later lines. */
  private skipQuoted(from: number, end: number, quote: '"' | "'"): number {
    const text = this.text;
    let position = from;
    while (position < end) {
      const character = text[position];
      if (quote === '"' && character === '\\') {
        position += 2;
        continue;
      }
      if (character === quote) {
        if (quote === "'" && text[position + 1] === "'") {
          position += 2;
          continue;
        }
        this.openQuote = undefined;
        return position + 1;
      }
      position++;
    }
    this.openQuote = quote;
    return end;
  }
}
