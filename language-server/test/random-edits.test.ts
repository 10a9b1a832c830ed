// Seeded random edits of the example labs: every entry point answers, and validation never
// ends in an internal error, whatever state a half-typed lab is in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { elementAt, labDocument, yamlFragments as fragments } from './lab-text';

const examplesFolder = join(import.meta.dirname, '..', '..', 'schemas', 'examples');

test('200 randomly edited labs never produce an internal error', async () => {
  let seed = 20261121;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const service = createLabLanguageService();
  const bases = readdirSync(examplesFolder)
    .filter((file) => file.endsWith('.lab.yaml'))
    .map((file) => readFileSync(join(examplesFolder, file), 'utf8'));
  for (let round = 0; round < 200; round++) {
    let text = elementAt(bases, round % bases.length);
    for (let edit = 0, edits = 1 + Math.floor(random() * 6); edit < edits; edit++) {
      const at = Math.floor(random() * text.length);
      text =
        random() < 0.3
          ? text.slice(0, at) + text.slice(at + Math.floor(random() * 30))
          : text.slice(0, at) + fragments[Math.floor(random() * fragments.length)] + text.slice(at);
    }
    const document = labDocument(text);
    const diagnostics = await service.validate(document);
    const internal = diagnostics.filter((diagnostic) => diagnostic.code === diagnosticCodes.internalError);
    assert.deepEqual(internal, [], `round ${round}: ${JSON.stringify(text)}`);
    const position = document.positionAt(Math.floor(random() * text.length));
    assert.ok(Array.isArray((await service.complete(document, position)).items));
    await service.hover(document, position);
    assert.ok(Array.isArray(service.documentSymbols(document)));
    for (const diagnostic of diagnostics) assert.ok(Array.isArray(service.codeActions(document, diagnostic.range, [diagnostic])));
  }
});
