// The parse guard's fast path answers exactly what the full measure does: most labs have no alias,
// and for them only the depth walk runs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { defaultInputLimits, type InputLimits } from '../src/input-guards';
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
