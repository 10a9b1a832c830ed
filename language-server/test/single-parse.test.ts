// Validation parses each document version once: the semantic checks walk the AST that
// yaml-language-server parsed for the schema checks (its yamlDocumentsCache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createLabLanguageService } from '../src/index';
import { elementAt, labDocument, validLab } from './lab-text';

test('validate parses the document once; symbols, code actions and hover reuse that parse', async (context) => {
  // The module whose `parse` the parse cache calls; counting its calls counts parses.
  const require = createRequire(import.meta.url);
  const parser = require('yaml-language-server/lib/umd/languageservice/parser/yamlParser07') as { parse: (...args: unknown[]) => unknown };
  const original = parser.parse;
  let parses = 0;
  parser.parse = (...args: unknown[]) => {
    parses++;
    return original(...args);
  };
  context.after(() => {
    parser.parse = original;
  });

  const service = createLabLanguageService();
  const document = labDocument(validLab.replace('os_image: debian-12', 'os_image: nope'));
  const diagnostics = await service.validate(document);
  assert.ok(
    diagnostics.some((diagnostic) => diagnostic.code === 'vlm-unknown-image'),
    'the semantic checks ran',
  );
  assert.equal(parses, 1, 'one parse for the schema checks and the semantic checks together');

  service.documentSymbols(document);
  service.codeActions(document, elementAt(diagnostics, 0).range, diagnostics);
  await service.hover(document, { line: 0, character: 1 });
  assert.equal(parses, 1, 'symbols, code actions and hover reuse the same parse');
});

test("validation does not build yaml-language-server's tree; the first feature that reads it does, once", async (context) => {
  // The module whose `convertAST` turns a parse into yaml-language-server's tree; counting calls
  // from outside (its recursion is internal) counts trees built.
  const require = createRequire(import.meta.url);
  const converter = require('yaml-language-server/lib/umd/languageservice/parser/ast-converter') as {
    convertAST: (...args: unknown[]) => unknown;
  };
  const original = converter.convertAST;
  let trees = 0;
  converter.convertAST = (...args: unknown[]) => {
    trees++;
    return original(...args);
  };
  context.after(() => {
    converter.convertAST = original;
  });

  const service = createLabLanguageService();
  const document = labDocument(validLab.replace('os_image: debian-12', 'os_image: nope'));
  const diagnostics = await service.validate(document);
  assert.ok(diagnostics.some((diagnostic) => diagnostic.code === 'vlm-unknown-image'));
  assert.equal(trees, 0, 'validation reads the YAML document only');

  const symbols = service.documentSymbols(document);
  assert.ok(
    symbols.some((symbol) => symbol.name === 'vms'),
    JSON.stringify(symbols.map((symbol) => symbol.name)),
  );
  service.foldingRanges(document);
  assert.equal(trees, 1, 'symbols and folding share one tree');
});
