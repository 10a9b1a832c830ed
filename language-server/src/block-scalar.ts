// Maps the value of a YAML block scalar (`|`, `>`, with chomping and indentation indicators)
// back to offsets in the document, so problems found inside the value can be shown where the
// user wrote them. The reconstruction is checked against the parser's own value; when they
// differ (an edge case this code does not model) the caller falls back to the whole scalar.

export interface BlockScalarContent {
  /** The scalar's value, as the YAML parser produced it. */
  text: string;
  /** Document offset of each character of `text`, plus one entry for the end. */
  sourceOffsets: number[];
}

interface ContentLine {
  /** Document offset where the line's content (after the block indentation) starts. */
  contentStart: number;
  /** Document offset of the line break (or end of the scalar). */
  lineEnd: number;
  /** Content after the block indentation; '' for an empty line. */
  content: string;
}

const headerPattern = /^([|>])([1-9][+-]?|[+-][1-9]?)?[ \t]*(#.*)?$/;

interface Header {
  folded: boolean;
  chomping: 'strip' | 'keep' | 'clip';
  /** The indentation indicator, when the header has one. */
  explicitIndent: number | undefined;
}

/** The characters of the value being rebuilt, each with the document offset it came from. */
class Reconstruction {
  readonly characters: string[] = [];
  readonly offsets: number[] = [];

  /** Appends `text`; with `step`, its characters come from consecutive offsets, else all from `offset`. */
  emit(text: string, offset: number, step: boolean): void {
    for (let index = 0; index < text.length; index++) {
      this.characters.push(text.charAt(index));
      this.offsets.push(step ? offset + index : offset);
    }
  }
}

/**
 * @param documentText the whole document
 * @param start offset of the block scalar's header indicator (`|` or `>`)
 * @param end offset where the scalar's source ends
 * @param parentIndent indentation of the mapping or sequence holding the scalar
 * @param expectedValue the value the YAML parser gave the scalar
 */
export function mapBlockScalar(
  documentText: string,
  start: number,
  end: number,
  parentIndent: number,
  expectedValue: string,
): BlockScalarContent | undefined {
  const headerEnd = documentText.indexOf('\n', start);
  if (headerEnd < 0 || headerEnd > end) return undefined;
  const header = parseHeader(documentText.slice(start, headerEnd));
  if (!header) return undefined;
  const lines = contentLines(documentText, headerEnd, end, parentIndent, header.explicitIndent);
  // Lines of only spaces count as empty for chomping and folding.
  let lastText = -1;
  for (const [index, line] of lines.entries()) if (isText(line)) lastText = index;

  const value = new Reconstruction();
  if (lastText >= 0) {
    if (header.folded) emitFolded(value, lines.slice(0, lastText + 1));
    else emitLiteral(value, lines.slice(0, lastText + 1));
    if (header.chomping === 'strip') {
      value.characters.pop();
      value.offsets.pop();
    } else if (header.chomping === 'keep') {
      for (const line of lines.slice(lastText + 1)) value.emit('\n', line.lineEnd, false);
    }
  } else if (header.chomping === 'keep') {
    for (const line of lines) value.emit('\n', line.lineEnd, false);
  }

  const text = value.characters.join('');
  if (text !== expectedValue) return undefined;
  const { offsets } = value;
  const last = offsets.at(-1);
  offsets.push(last !== undefined ? last + 1 : headerEnd + 1);
  return { text, sourceOffsets: offsets };
}

/** The header line's indicators, or undefined when it is not a block scalar header. */
function parseHeader(headerLine: string): Header | undefined {
  const headerMatch = headerPattern.exec(headerLine.replace(/[\r\n][\s\S]*$/, '').trimEnd());
  if (!headerMatch) return undefined;
  const indicators = headerMatch[2] ?? '';
  const explicitIndent = /[1-9]/.exec(indicators);
  return {
    folded: headerMatch[1] === '>',
    chomping: indicators.includes('-') ? 'strip' : indicators.includes('+') ? 'keep' : 'clip',
    explicitIndent: explicitIndent ? Number(explicitIndent[0]) : undefined,
  };
}

/** The scalar's lines after the header, with the block indentation taken off. */
function contentLines(
  documentText: string,
  headerEnd: number,
  end: number,
  parentIndent: number,
  explicitIndent: number | undefined,
): ContentLine[] {
  const rawLines: Array<{ start: number; end: number; text: string }> = [];
  let lineStart = headerEnd + 1;
  while (lineStart < end || (lineStart === end && rawLines.length === 0 && end < documentText.length)) {
    let lineEnd = documentText.indexOf('\n', lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    let text = documentText.slice(lineStart, lineEnd);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    rawLines.push({ start: lineStart, end: lineStart + text.length, text });
    if (lineEnd >= end) break;
    lineStart = lineEnd + 1;
  }

  let indent: number;
  if (explicitIndent !== undefined) indent = parentIndent + explicitIndent;
  else {
    const firstText = rawLines.find((line) => line.text.trim() !== '');
    indent = firstText ? firstText.text.length - firstText.text.trimStart().length : 0;
  }

  return rawLines.map((line) => {
    const hasContent = line.text.length > indent;
    return {
      contentStart: line.start + Math.min(indent, line.text.length),
      lineEnd: line.end,
      content: hasContent ? line.text.slice(indent) : '',
    };
  });
}

function isText(line: ContentLine): boolean {
  return line.content.trim() !== '';
}

/** `|`: every line as written, each with its line break; `lines` ends with a text line. */
function emitLiteral(value: Reconstruction, lines: ContentLine[]): void {
  for (const line of lines) {
    value.emit(line.content, line.contentStart, true);
    value.emit('\n', line.lineEnd, false);
  }
}

/** `>`: lines joined by a space, except around empty or more-indented lines; `lines` ends with a text line. */
function emitFolded(value: Reconstruction, lines: ContentLine[]): void {
  let previous: ContentLine | undefined;
  let emptyRun = 0;
  const spaced = (candidate: ContentLine): boolean => /^[ \t]/.test(candidate.content);
  for (const line of lines) {
    if (!isText(line)) {
      emptyRun++;
      if (!previous) value.emit('\n', line.lineEnd, false);
      continue;
    }
    if (previous) {
      if (!spaced(previous) && !spaced(line)) {
        value.emit(emptyRun === 0 ? ' ' : '\n'.repeat(emptyRun), previous.lineEnd, false);
      } else {
        value.emit('\n'.repeat(emptyRun + 1), previous.lineEnd, false);
      }
    }
    value.emit(line.content, line.contentStart, true);
    previous = line;
    emptyRun = 0;
  }
  if (previous) value.emit('\n', previous.lineEnd, false);
}
