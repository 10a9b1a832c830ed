// The bundled server process, with a small heap, against random edits of the example labs that a
// user could type: anchors, aliases, merge keys, self-references, tags, indentation changes,
// control characters, deletions and duplications. Every edit is opened as a document (which
// validates it at once) and gets every request the server offers; each must be answered within
// a second, and the process must live. The seed is random and printed on failure; set
// VLM_FUZZ_SEED to replay a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { initializeParams, startBundledServer, type TestClient } from './lsp-client';
import { elementAt, yamlFragments as fragments } from './lab-text';

const examplesFolder = join(import.meta.dirname, '..', '..', 'schemas', 'examples');
const rounds = 3000;
const deadlineMilliseconds = 1000;
const heapMegabytes = 256;

/** mulberry32: a small PRNG whose whole state is the seed. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const tags = ['!!str ', '!!map ', '!!seq ', '!!int ', '!!binary ', '!custom ', '!<tag:yaml.org,2002:str> ', '!! ', '!'];
const controls = ['\u0000', '\u0007', '\u001b', '\u007f', '\ufeff', '\u202e', '\u00a0', '\t', '\r', '\ufffd', '😀'];

/** One random edit of `text`, of the kinds a user (or a paste) could make. */
function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => elementAt(items, Math.floor(random() * items.length));
  const lines = text.split('\n');
  const lineIndex = Math.floor(random() * lines.length);
  const line = elementAt(lines, lineIndex);
  const indent = line.length - line.trimStart().length;
  const anchor = `a${Math.floor(random() * 4)}`;
  const at = Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 11)) {
    case 0: // an anchor on a value or item
      lines[lineIndex] = line.replace(/(: |- )/, `$1&${anchor} `);
      return lines.join('\n');
    case 1: // an alias instead of a value
      lines[lineIndex] = line.replace(/(: |- ).*$/, `$1*${anchor}`);
      return lines.join('\n');
    case 2: {
      // a node that refers to itself, through an alias or a merge key
      lines[lineIndex] = line.replace(/(: |- )/, `$1&${anchor} `);
      const inner = `${' '.repeat(indent + 2)}${random() < 0.5 ? '<<' : 'self'}: *${anchor}`;
      lines.splice(lineIndex + 1, 0, inner);
      return lines.join('\n');
    }
    case 3: // a merge key
      lines.splice(
        lineIndex,
        0,
        `${' '.repeat(indent)}<<: ${random() < 0.7 ? `*${anchor}` : `[*${anchor}, *a${Math.floor(random() * 4)}]`}`,
      );
      return lines.join('\n');
    case 4: // a tag
      lines[lineIndex] = line.replace(/(: |- |^ *)/, `$1${pick(tags)}`);
      return lines.join('\n');
    case 5: {
      // indentation changes
      const change = Math.floor(random() * 9) - 4;
      lines[lineIndex] = change >= 0 ? ' '.repeat(change) + line : line.slice(Math.min(-change, indent));
      return lines.join('\n');
    }
    case 6: // a control or odd character
      return text.slice(0, at) + pick(controls) + text.slice(at);
    case 7: // a deletion
      return text.slice(0, at) + text.slice(at + Math.floor(random() * 80));
    case 8: {
      // a duplication of a block of lines
      const count = 1 + Math.floor(random() * 6);
      const block = lines.slice(lineIndex, lineIndex + 1 + Math.floor(random() * 8));
      lines.splice(lineIndex, 0, ...Array.from({ length: count }, () => block).flat());
      return lines.join('\n');
    }
    case 9: // many aliases of one anchor: the expansion grows quickly
      return `${text}\nextra${Math.floor(random() * 100)}: [${Array.from({ length: 1 + Math.floor(random() * 40) }, () => `*${anchor}`).join(', ')}]\n`;
    default:
      return text.slice(0, at) + pick(fragments) + text.slice(at);
  }
}

/** Documents known to have killed or hung the server, sent before the random ones. */
const knownHostile = [
  'name: lab\nvms:\n  - &web\n    name: web\n    vcpu: 1\n    tags: [*web]\n',
  'name: &n lab\nvms: &v\n  - name: a\n    vcpu: 1\n    tags: *v\n    description: *v\n',
  'a: &a\n  b: *a\n  c: *a\n  d: *a\n',
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n',
  'name: lab\nvms:\n  - &v\n    <<: *v\n    name: v\n',
  `${'- '.repeat(500)}x\n`,
  `${'['.repeat(500)}\n`,
];

/** Asks for every feature at `position` of an open document; `answered` holds each request to the deadline. */
async function askEveryFeature(
  client: TestClient,
  answered: <T>(what: string, pending: Promise<T>) => Promise<T>,
  textDocument: { uri: string },
  position: { line: number; character: number },
  diagnostics: Diagnostic[],
): Promise<void> {
  const range = { start: position, end: position };
  await answered('textDocument/documentSymbol', client.connection.sendRequest('textDocument/documentSymbol', { textDocument }));
  await answered('textDocument/foldingRange', client.connection.sendRequest('textDocument/foldingRange', { textDocument }));
  await answered(
    'textDocument/selectionRange',
    client.connection.sendRequest('textDocument/selectionRange', { textDocument, positions: [position] }),
  );
  await answered('textDocument/hover', client.connection.sendRequest('textDocument/hover', { textDocument, position }));
  await answered('textDocument/completion', client.connection.sendRequest('textDocument/completion', { textDocument, position }));
  await answered(
    'textDocument/codeAction',
    client.connection.sendRequest('textDocument/codeAction', {
      textDocument,
      range: diagnostics[0]?.range ?? range,
      context: { diagnostics },
    }),
  );
}

test(`the server process (heap ${heapMegabytes} MB) answers every request within ${deadlineMilliseconds} ms for ${rounds} random edits of the example labs`, {
  timeout: 600_000,
}, async () => {
  const seed = process.env.VLM_FUZZ_SEED ? Number(process.env.VLM_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  const random = randomFrom(seed);
  const examples = readdirSync(examplesFolder)
    .filter((file) => file.endsWith('.lab.yaml'))
    .map((file) => readFileSync(join(examplesFolder, file), 'utf8'));
  assert.ok(examples.length > 0, `no example labs in ${examplesFolder}`);

  const server = startBundledServer([`--max-old-space-size=${heapMegabytes}`]);
  const { client } = server;
  let died: string | undefined;
  void server.exited.then(([code, signal]) => {
    died = `the server exited (code ${code}, signal ${signal}); its stderr ends:\n${server.stderr()}`;
  });
  let text = '';
  let round = -1;
  const context = (): string =>
    `seed ${seed} (replay with VLM_FUZZ_SEED=${seed}), round ${round}, document ${JSON.stringify(text).slice(0, 3000)}`;

  /** A request (or wait) that must finish within the deadline while the process lives. */
  async function answered<T>(what: string, pending: Promise<T>, limit = deadlineMilliseconds): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} got no answer within ${limit} ms${died ? `: ${died}` : ''}; ${context()}`)),
        limit,
      );
    });
    try {
      return await Promise.race([pending, deadline]);
    } catch (error) {
      if (died) throw new Error(`${what} failed: ${died}; ${context()}`);
      if (error instanceof Error && error.message.includes('got no answer')) throw error;
      throw new Error(
        `${what} was answered with an error (${error instanceof Error ? error.message : String(error)}) after ${Math.round(performance.now() - started)} ms; ${context()}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  try {
    // Starting the process (loading and compiling the schema) is not a request on a document.
    await answered('initialize', client.connection.sendRequest('initialize', { ...initializeParams, processId: process.pid }), 30_000);
    await client.connection.sendNotification('initialized', {});
    let base = elementAt(examples, 0);
    for (round = 0; round < knownHostile.length + rounds; round++) {
      if (round < knownHostile.length) text = elementAt(knownHostile, round);
      else {
        // Edits pile up for a while, as when a user keeps typing, then a fresh example.
        if (round % 25 === 0) base = elementAt(examples, Math.floor(random() * examples.length));
        for (let edit = 0, edits = 1 + Math.floor(random() * 4); edit < edits; edit++) base = mutate(base, random);
        if (base.length > 200_000) base = elementAt(examples, 0);
        text = base;
      }
      const uri = `file:///fuzz/round-${round}.lab.yaml`;
      const textDocument = { uri };
      const publishedBefore = client.published.length;
      await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
      // Opening validates at once: its diagnostics are the answer to the open.
      const published = await answered(
        'validation (publishDiagnostics after didOpen)',
        client.diagnostics((publication) => publication.uri === uri, `for round ${round}`, publishedBefore),
      );
      const diagnostics: Diagnostic[] = published.diagnostics;
      const internal = diagnostics.filter((diagnostic) => diagnostic.code === 'vlm-internal-error');
      assert.deepEqual(internal, [], `an internal error; ${context()}`);
      const lines = text.split('\n');
      const line = Math.floor(random() * lines.length);
      const position = { line, character: Math.floor(random() * (elementAt(lines, line).length + 1)) };
      await askEveryFeature(client, answered, textDocument, position, diagnostics);
      await client.connection.sendNotification('textDocument/didClose', { textDocument });
    }
    round = -1;
    await answered('shutdown', client.connection.sendRequest('shutdown'), 30_000);
    await client.connection.sendNotification('exit');
    const [code, signal] = await server.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, `server stderr:\n${server.stderr()}`);
  } finally {
    server.dispose();
  }
});
