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
  const header = /^([^\r\n]*)/.exec(documentText.slice(start, headerEnd))![1]!.trimEnd();
  const headerMatch = headerPattern.exec(header);
  if (!headerMatch) return undefined;
  const folded = headerMatch[1] === '>';
  const indicators = headerMatch[2] ?? '';
  const chomping = indicators.includes('-') ? 'strip' : indicators.includes('+') ? 'keep' : 'clip';
  const explicitIndent = /[1-9]/.exec(indicators);

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
  if (explicitIndent) indent = parentIndent + Number(explicitIndent[0]);
  else {
    const firstText = rawLines.find((line) => line.text.trim() !== '');
    indent = firstText ? firstText.text.length - firstText.text.trimStart().length : 0;
  }

  const lines: ContentLine[] = rawLines.map((line) => {
    const hasContent = line.text.length > indent;
    return {
      contentStart: line.start + Math.min(indent, line.text.length),
      lineEnd: line.end,
      content: hasContent ? line.text.slice(indent) : '',
    };
  });
  // Lines of only spaces count as empty for chomping and folding.
  const isText = (line: ContentLine): boolean => line.content.trim() !== '';
  let lastText = -1;
  for (let index = lines.length - 1; index >= 0; index--) {
    if (isText(lines[index]!)) {
      lastText = index;
      break;
    }
  }

  const characters: string[] = [];
  const offsets: number[] = [];
  const emit = (text: string, offset: number, step: boolean): void => {
    for (let index = 0; index < text.length; index++) {
      characters.push(text[index]!);
      offsets.push(step ? offset + index : offset);
    }
  };

  if (lastText >= 0) {
    if (!folded) {
      for (let index = 0; index <= lastText; index++) {
        const line = lines[index]!;
        emit(line.content, line.contentStart, true);
        emit('\n', line.lineEnd, false);
      }
    } else {
      let previous: ContentLine | undefined;
      let emptyRun = 0;
      for (let index = 0; index <= lastText; index++) {
        const line = lines[index]!;
        if (!isText(line)) {
          emptyRun++;
          if (!previous) emit('\n', line.lineEnd, false);
          continue;
        }
        if (previous) {
          const spaced = (candidate: ContentLine): boolean => /^[ \t]/.test(candidate.content);
          if (!spaced(previous) && !spaced(line)) {
            emit(emptyRun === 0 ? ' ' : '\n'.repeat(emptyRun), previous.lineEnd, false);
          } else {
            emit('\n'.repeat(emptyRun + 1), previous.lineEnd, false);
          }
        }
        emit(line.content, line.contentStart, true);
        previous = line;
        emptyRun = 0;
      }
      emit('\n', previous!.lineEnd, false);
    }
    if (chomping === 'strip') {
      characters.pop();
      offsets.pop();
    } else if (chomping === 'keep') {
      for (let index = lastText + 1; index < lines.length; index++) emit('\n', lines[index]!.lineEnd, false);
    }
  } else if (chomping === 'keep') {
    for (const line of lines) emit('\n', line.lineEnd, false);
  }

  const text = characters.join('');
  if (text !== expectedValue) return undefined;
  offsets.push(offsets.length > 0 ? offsets[offsets.length - 1]! + 1 : headerEnd + 1);
  return { text, sourceOffsets: offsets };
}
