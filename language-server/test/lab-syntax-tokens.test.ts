// The fast path is safe only if, whenever it accepts a text, its tokens and line starts are the
// ones yaml's Parser gives, and the Document built from them (lab-document.ts) is the one yaml's
// Composer builds. Compared here on the example labs, generated labs, and thousands of random
// labs and random mutations of them; each run says how often the fast path accepted.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { Composer, type CST, isMap, isPair, isSeq, Parser } from 'yaml';
import { generateLab } from '../bench/generate-lab';
import { builtLevels, composeLabDocument } from '../src/lab-document';
import { labSyntaxTokens, lineStarts, withLabSyntaxTokens } from '../src/lab-syntax-tokens';

const examplesFolder = join(import.meta.dirname, '..', '..', 'schemas', 'examples');
const originalParse = Parser.prototype.parse;
const originalNext = Composer.prototype.next;
// The options yaml-language-server composes with.
const composeOptions = { strict: false, version: '1.2' as const, customTags: [], keepSourceTokens: true };
// Turns the fast path on for the whole file: Documents below are composed with it in place.
withLabSyntaxTokens(() => undefined);

/** Collection levels of a node, counted by walking it (a root collection is level 1). */
function levelsOf(node: unknown): number {
  if (isPair(node)) return Math.max(levelsOf(node.key), levelsOf(node.value));
  if (isMap(node) || isSeq(node)) return 1 + Math.max(0, ...(node.items as unknown[]).map(levelsOf));
  return 0;
}

/** How many accepted texts lab-document.ts built the Document of (the rest went to the Composer). */
let builtDocuments = 0;

/** The Documents of `tokens`, by yaml's own Composer, or with the fast path's step in front. */
function composed(tokens: CST.Token[], length: number, composer: 'yaml' | 'fast'): unknown[] {
  const instance = new Composer(composeOptions);
  if (composer === 'yaml') Object.assign(instance, { next: originalNext });
  return Array.from(instance.compose(tokens, true, length));
}

/** yaml's own answer: the tokens and the offsets given to the new-line callback. */
function reference(text: string): { tokens: unknown[]; starts: number[] } {
  const starts: number[] = [];
  const parser = new Parser((offset) => starts.push(offset));
  return { tokens: Array.from(originalParse.call(parser, text)), starts };
}

/** Whether the fast path accepted `text`; throws when it accepted it with other tokens. */
function checked(text: string): boolean {
  const fast = labSyntaxTokens(text);
  if (!fast) return false;
  const expected = reference(text);
  const starts: number[] = [];
  lineStarts(text, (offset) => starts.push(offset));
  assert.deepStrictEqual(fast, expected.tokens, `tokens differ for:\n${JSON.stringify(text)}`);
  assert.deepStrictEqual(starts, expected.starts, `line starts differ for:\n${JSON.stringify(text)}`);
  const internals = new Composer(composeOptions) as unknown as { options: object; directives: unknown };
  const built = composeLabDocument(fast[fast.length - 1] as CST.Document, internals.options, internals.directives);
  if (built) {
    builtDocuments++;
    assert.equal(builtLevels(built), levelsOf(built.contents), `levels differ for:\n${JSON.stringify(text)}`);
  }
  const documents = composed(fast, text.length, 'fast');
  assert.deepStrictEqual(
    documents,
    composed(expected.tokens as CST.Token[], text.length, 'yaml'),
    `documents differ for:\n${JSON.stringify(text)}`,
  );
  return true;
}

/** mulberry32: a small PRNG whose whole state is the seed. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const usualScalars = [
  'web-1',
  'debian-12',
  '10.20.1.0/24',
  '2048',
  'true',
  '~',
  'a b c',
  'a, b',
  'a#b',
  'a:b',
  "'quoted'",
  '"double"',
  '[a, b]',
  '[team=blue, web]',
];

const trickyScalars = [
  'null',
  '1.5',
  '0x1F',
  '-1',
  'a: b',
  'x:',
  "it's",
  'say "hi"',
  "'quoted'",
  "'it''s'",
  "'a # b'",
  "''",
  '"double"',
  '"a\\"b"',
  '"\\\\"',
  '""',
  '"x" y',
  "'x' y",
  '[a, b]',
  '[]',
  '[team=blue, web]',
  '[a,b]',
  '[ a ]',
  '{}',
  '{a: 1}',
  '@x',
  '`x`',
  '%x',
  '!x',
  '&x',
  '*x',
  '?x',
  'x ]',
  'a [b]',
  'a {b}',
  'café',
];

const trailers = ['', '', '', '', '', ' # note', '  #note', ' ', '#x', ' #'];

function scalar(random: Random): string {
  return pick(random, random() < 0.85 ? usualScalars : trickyScalars);
}

function gapLines(random: Random, column: number): string {
  let gap = '';
  while (random() < 0.15) {
    const at = random() < 0.9 ? column : Math.floor(random() * (column + 3));
    gap += random() < 0.5 ? '\n' : `${' '.repeat(at)}# ${pick(random, ['c', 'x: y', '- z', ''])}\n`;
  }
  return gap;
}

function blockScalar(random: Random, column: number): string {
  const header = random() < 0.9 ? pick(random, ['|', '|-', '>', '>-']) : pick(random, ['|+', '|2', '| # c', '|  ']);
  const inner = column + pick(random, [2, 2, 2, 1, 4]);
  let body = '';
  for (let line = 0; line < 1 + random() * 5; line++) {
    body +=
      random() < 0.2
        ? '\n'
        : `${' '.repeat(inner + pick(random, [0, 0, 0, 0, 0, 2, -1]))}${pick(random, ['- name: x', 'key: v', '# c', 'text'])}\n`;
  }
  return `${header}\n${body}${random() < 0.3 ? '\n' : ''}`;
}

/** Lines of a block map at `column`, `depth` levels deep. */
function randomMap(random: Random, column: number, depth: number): string {
  let text = '';
  const count = 1 + Math.floor(random() * 4);
  for (let index = 0; index < count; index++) {
    const key = pick(random, ['name', 'vcpu', 'ram_mb', 'os_image', 'ansible.builtin.apt', 'x-y', 'cloud_init']);
    text += `${index === 0 ? '' : gapLines(random, column) + ' '.repeat(column)}${key}:`;
    const choice = random();
    if (depth < 3 && choice < 0.25)
      text += `\n${gapLines(random, column + 2)}${randomSequence(random, column + pick(random, [2, 2, 4, 0]), depth + 1)}`;
    else if (depth < 3 && choice < 0.4)
      text += `\n${gapLines(random, column + 2)}${' '.repeat(column + 2)}${randomMap(random, column + 2, depth + 1)}`;
    else if (choice < 0.5) text += ` ${blockScalar(random, column)}`;
    else text += `${pick(random, [' ', ' ', ' ', '  '])}${scalar(random)}${pick(random, trailers)}\n`;
  }
  return text;
}

/** Lines of a block sequence at `column` (its first line already indented). */
function randomSequence(random: Random, column: number, depth: number): string {
  let text = '';
  const count = 1 + Math.floor(random() * 3);
  for (let index = 0; index < count; index++) {
    text += `${index === 0 ? ' '.repeat(column) : gapLines(random, column) + ' '.repeat(column)}-${pick(random, [' ', ' ', ' ', '  '])}`;
    text += random() < 0.6 ? randomMap(random, column + 2, depth + 1) : `${scalar(random)}${pick(random, trailers)}\n`;
  }
  return text;
}

function randomLab(random: Random): string {
  const prelude = random() < 0.5 ? `# lab ${Math.floor(random() * 100)}\n${random() < 0.3 ? '\n' : ''}` : '';
  const text = `${prelude}${randomMap(random, 0, 0)}${gapLines(random, 0)}`;
  return random() < 0.05 ? text.slice(0, -1) : text;
}

/** Corners of the subset: long keys and values, comments and blank lines at each place, quotes. */
const edgeCases = [
  `${'k'.repeat(1100)}: v\n`,
  `a: ${'v'.repeat(5000)}\n`,
  'a: - x\n',
  'a: a - b\n',
  'a: é ü 😀\n',
  'a:\n  - b: |\n      x\n    c: 1\n',
  'a: |\n  x\n# c\nb: 1\n',
  'a:\n# c\n  b: 1\n',
  'a:\n  # c\n  b: 1\n',
  'a:\n\n  b: 1\n',
  'a:\n    # c\n  b: 1\n',
  'a: 1\n\n',
  'a: 1\n# c',
  'a: 1\n#c\n#d\n',
  'a:\n  - x\n  # c\n  - y\n',
  'a:\n  - x\n\n  - y\n\n\nb: 1\n',
  'a: >\n  x\n\n  y\n',
  'a: |\n  x\n\n',
  'a: |\n  x\n   y\n  z\n',
  'a: |\n\n  x\n',
  'a: |\n  x\n  \n',
  'a: [a,b]\n',
  'a: [a, ]\n',
  'a: [, a]\n',
  'a: [a,  b]\n',
  'a: [a, b] \n',
  'a: [a, b] # c\n',
  "a: 'x'#c\n",
  "a: 'x' #c\n",
  'a: "x\\\\" \n',
  'a: "\\"\n',
  'a: x #\n',
  'a:  x\n',
  'a: x  \n',
  'a: 1\nb: 2\na: 3\n',
  'true: 1\n1: a\n0x1F: b\n1.5: c\nnull: d\n',
  '1: a\n01: b\n',
  'a:\n  - x: 1\n    x: 2\n',
  "a: \"x\"\nb: ''\nc: 'it''s'\nd: 0o17\ne: 1e3\nf: .inf\ng: -.NaN\nh: ~\n",
  'a: |-\n  x\n\n  y\nb: >-\n  z\n',
  'a: []\nb: [1, true, null, x]\n',
  'd: 0o17\ne: 1e3\nf: .inf\ng: .NaN\n',
  "c: 'it''s'\nb: \"x\"\n",
  '- a: 1\n',
  'a:\n - b\n',
  'a:\n  -  b\n',
  'a:\n  - b:\n      c: 1\n',
  'a:\n  - b:\n    c: 1\n',
  'a:\n  - b:\n    - c\n',
  'a:\n  b:\n  - c\n',
  'a: ---\n',
  'a: ...\n',
  '---: x\n',
  'a: %x\n',
  'a:b: c\n',
  'a: b:c\n',
  'a: b :\n',
  'a: b : c\n',
  'a: http://x\n',
  'a: "x"y\n',
  "a: 'x'y\n",
  'a: ?\n',
  'a: ? x\n',
  'a: x\n  # c\n',
  'a:\n  b: x\n    # c\n',
  'a:\n  b: x\n # c\n  c: 1\n',
];

const hostile = [
  ':',
  ' #',
  '#',
  '-',
  '- ',
  "'",
  '"',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '|',
  '>',
  '\t',
  '\n',
  ' ',
  ',',
  '?',
  '\\',
  '---\n',
  '\r',
];

/** One random edit: insert, delete or replace characters, or change a line's indentation. */
function mutate(text: string, random: Random): string {
  const at = Math.floor(random() * (text.length + 1));
  const choice = random();
  if (choice < 0.35) return text.slice(0, at) + pick(random, hostile) + text.slice(at);
  if (choice < 0.55) return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
  if (choice < 0.75) return text.slice(0, at) + pick(random, hostile) + text.slice(at + 1);
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (random() < 0.5) return `${text.slice(0, lineStart)}${' '.repeat(1 + Math.floor(random() * 2))}${text.slice(lineStart)}`;
  return text.slice(0, lineStart) + text.slice(lineStart).replace(/^ {1,2}/, '');
}

function report(t: TestContext, label: string, accepted: number, total: number): void {
  t.diagnostic(`${label}: the fast path accepted ${accepted} of ${total}, and built the Document of ${builtDocuments}`);
}

describe('lab syntax tokens', () => {
  beforeEach(() => {
    builtDocuments = 0;
  });

  it('equal yaml Parser tokens for every example lab, and accept those without anchors', () => {
    for (const name of readdirSync(examplesFolder).filter((file) => file.endsWith('.yaml'))) {
      const text = readFileSync(join(examplesFolder, name), 'utf8');
      assert.equal(checked(text), !text.includes('&'), name);
    }
  });

  it('equal yaml Parser tokens and Composer Documents for generated labs, which they accept and build', () => {
    const counts = [1, 4, 50, 1000];
    for (const count of counts) assert.ok(checked(generateLab(count)), `generateLab(${count})`);
    assert.equal(builtDocuments, counts.length);
  });

  it('equal yaml Parser tokens on random labs whenever they accept one', (t) => {
    const random = randomFrom(20261130);
    let accepted = 0;
    const total = 3000;
    for (let run = 0; run < total; run++) if (checked(randomLab(random))) accepted++;
    report(t, 'random labs', accepted, total);
    assert.ok(accepted > total / 10, 'the random labs exercise the fast path');
  });

  it('equal yaml Parser tokens on random mutations whenever they accept one', (t) => {
    const random = randomFrom(13);
    const labs = Array.from({ length: 400 }, () => randomLab(random)).filter((text) => labSyntaxTokens(text));
    const bases = [generateLab(3), ...labs.slice(0, 40)];
    let accepted = 0;
    let total = 0;
    for (const base of bases) {
      for (let run = 0; run < 100; run++) {
        let text = base;
        for (let edit = 1 + Math.floor(random() * 3); edit > 0; edit--) text = mutate(text, random);
        total++;
        if (checked(text)) accepted++;
      }
    }
    report(t, 'mutations', accepted, total);
    assert.ok(accepted > total / 10, 'the mutations exercise the fast path');
  });

  it('equal yaml Parser tokens at the corners of the subset', (t) => {
    const accepted = edgeCases.filter((text) => checked(text)).length;
    report(t, 'corner cases', accepted, edgeCases.length);
    assert.ok(accepted > 10);
  });

  it('decline what they do not cover', () => {
    const declined = [
      '',
      'a: 1',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      '%YAML 1.2\n---\na: 1\n',
      '---\na: 1\n',
      'a:\tb\n',
      'a: b\r\n',
      'a: b\n  c\n',
      "a: 'b\n  c'\n",
      'a:\n  b: 1\n   c: 2\n',
      'a:\n  b: 1\n  # c\nd: 2\n',
      '- a\n',
      'a: {b: 1}\n',
      'a: |2\n   b\n',
      '"a": 1\n',
      'a: 1\n...\n',
      `${Array.from({ length: 300 }, (_, depth) => `${' '.repeat(depth)}k:\n`).join('')}${' '.repeat(300)}k: v\n`,
    ];
    for (const text of declined) assert.equal(labSyntaxTokens(text), undefined, JSON.stringify(text));
  });
});

/** Whether yaml's Lexer read the text, i.e. the Parser did the work and not the fast path. */
function lexedBy(parser: Parser): boolean {
  return (parser as unknown as { lexer: { buffer: string } }).lexer.buffer !== '';
}

describe('the Parser inside withLabSyntaxTokens', () => {
  it('yields what the Parser yields, fast path or not, and calls back with the same line starts', () => {
    const texts = [generateLab(4), 'a: &x 1\nb: *x\n', 'a: b\n  c\n', '# only a comment\n', ''];
    const expected = texts.map(reference);
    withLabSyntaxTokens(() =>
      withLabSyntaxTokens(() => {
        texts.forEach((text, index) => {
          const starts: number[] = [];
          const tokens = Array.from(new Parser((offset) => starts.push(offset)).parse(text));
          assert.deepStrictEqual({ tokens, starts }, expected[index]);
          assert.deepStrictEqual(Array.from(new Parser().parse(text)), expected[index]?.tokens);
        });
      }),
    );
  });

  it('takes the fast path for a lab inside, and leaves the Parser alone outside', () => {
    const lab = generateLab(4);
    const inside = new Parser();
    withLabSyntaxTokens(() => Array.from(inside.parse(lab)));
    assert.equal(lexedBy(inside), false);
    const outside = new Parser();
    Array.from(outside.parse(lab));
    assert.equal(lexedBy(outside), true);
  });

  it('leaves incremental parsing to the Parser', () => {
    const pieces = [
      ['a: 1\nb', ': 2\n'],
      ['a', ': 1\n'],
      ['', 'a: 1\n'],
      ['# c', '\na: 1\n'],
    ];
    for (const [first, rest] of pieces) {
      const parser = new Parser();
      const plain = new Parser();
      const chunks = withLabSyntaxTokens(() =>
        Array.from(parser.parse(first as string, true)).concat(Array.from(parser.parse(rest as string))),
      );
      const expected = Array.from(originalParse.call(plain, first as string, true)).concat(
        Array.from(originalParse.call(plain, rest as string)),
      );
      assert.deepStrictEqual(chunks, expected, JSON.stringify(pieces));
    }
  });
});
