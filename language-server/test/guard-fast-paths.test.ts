// The guards' fast paths answer exactly what the slow ones do: the alias-free depth walk against
// the full expanded measure, and the jump between `:` and `#` against a step per character.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { defaultInputLimits, inspectInput, KeyOrCommentMarks, plainScalarEnd, type InputLimits } from '../src/input-guards';
import { measureDocument, measureExpandedDocument } from '../src/parse-guard';
import { aliasBomb, generateLab } from '../bench/generate-lab';

const examplesFolder = join(__dirname, '..', '..', 'schemas', 'examples');
const examples = readdirSync(examplesFolder)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => readFileSync(join(examplesFolder, name), 'utf8'));

const hostile = [
  aliasBomb(),
  'a: &a [1, {b: *a}]\n',
  `base: &b {x: 1, y: [1, 2, 3]}\nlist: [${Array(2000).fill('*b').join(', ')}]\n`,
  `${Array.from({ length: 120 }, (_, level) => `${' '.repeat(level * 2)}k${level}:`).join('\n')} x\n`,
  `${'['.repeat(150)}${']'.repeat(150)}\n`,
  `${'- '.repeat(150)}x\n`,
  `${Array.from({ length: 110 }, (_, level) => `${' '.repeat(level)}- a: &x${level}`).join('\n')}\nz: *x3\n`,
  `x: ${'y: '.repeat(50_000)}z\n`,
  `x: ${'y'.repeat(200_000)} #: c\n`,
  'a:\n\t- b\n  c: d\n',
  "\uFEFFa: 1\r\nb: \"x:y\" # c:d\r\nc: 'it''s: #'\r\n",
  'a: b\u0000c\n',
  'k: |\n  a: b # c\n  :#\nl: >\n  x\n',
  'a: "multi\n  line: # still\n  quoted"\nb: [x, {y: z}]\n',
];

/** Strings built from YAML's structural characters, so keys, comments and flows are frequent. */
function randomTexts(count: number, seed: number): string[] {
  const pieces = [' ', '\t', ':', '#', '-', '?', '[', ']', '{', '}', ',', '"', "'", '\\', '&a', '*a', '&b', '*b'];
  pieces.push('|', '>', '\n', '\r\n', 'a', 'x', ': ', ' #', '\n  ', '\n    - ', '\n- ');
  let state = seed;
  const next = (limit: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % limit;
  };
  return Array.from({ length: count }, () => {
    let text = '';
    for (let length = next(120); length > 0; length--) text += pieces[next(pieces.length)];
    return text;
  });
}

const tightLimits: InputLimits = { ...defaultInputLimits, maxNestingDepth: 3, maxAliases: 3, maxAliasExpansion: 20 };

/** The per-character loop the jump replaced. */
function plainScalarEndByCharacter(text: string, from: number, end: number): number {
  const blank = (character: string | undefined): boolean =>
    character === ' ' || character === '\t' || character === '\r' || character === undefined;
  let position = from;
  while (position < end) {
    const current = text[position];
    if (current === ':' && blank(text[position + 1])) break;
    if (current === '#' && blank(text[position - 1])) return end;
    position++;
  }
  return position;
}

describe('measureDocument without aliases', () => {
  test('answers as the full measure on examples, generated labs and hostile input', () => {
    const texts = [...examples, generateLab(1), generateLab(4), generateLab(1000), ...hostile, ...randomTexts(3000, 7)];
    let problems = 0;
    for (const text of texts) {
      const document = parseDocument(text);
      for (const limits of [defaultInputLimits, tightLimits]) {
        const full = measureExpandedDocument(document, limits);
        assert.deepEqual(measureDocument(document, limits), full, JSON.stringify(text).slice(0, 200));
        if (full) problems++;
      }
    }
    assert.ok(problems > 100, `the inputs must reach the limits, not only pass (${problems} problems)`);
  });
});

describe('plainScalarEnd', () => {
  test('stops where the per-character loop stops, from every offset', () => {
    for (const text of [...randomTexts(400, 11), ...hostile.slice(0, 4), ...examples]) {
      const marks = new KeyOrCommentMarks(text);
      const lineEnd = (from: number): number => {
        const found = text.indexOf('\n', from);
        return found < 0 ? text.length : found;
      };
      for (let from = 0; from < text.length; from++) {
        const end = lineEnd(from);
        assert.equal(plainScalarEnd(text, from, end, marks), plainScalarEndByCharacter(text, from, end));
      }
      // Going back must not reuse an answer found further on.
      for (let from = text.length - 1; from >= 0; from -= 3) {
        const end = lineEnd(from);
        assert.equal(plainScalarEnd(text, from, end, marks), plainScalarEndByCharacter(text, from, end));
      }
    }
  });

  test('a long text without keys or comments is scanned in linear time', () => {
    const text = `${'- abcdefgh\n'.repeat(300_000)}`;
    const started = performance.now();
    const inspection = inspectInput(text, { ...defaultInputLimits, maxDocumentBytes: 8 * 1024 * 1024 });
    assert.equal(inspection.refused, false);
    assert.ok(performance.now() - started < 5000, 'scanning 3.3 MB took more than 5 s');
  });
});
