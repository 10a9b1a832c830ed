// Hostile input is refused or diagnosed with a code, quickly, and never throws or hangs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { ImageCatalog } from '@vlm/schemas';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { elementAt, labDocument, rangeOf, withCode } from './lab-text';

const service = createLabLanguageService();

/** The classic billion laughs: nine levels of nine aliases each, 10^9 nodes if expanded. */
function billionLaughs(): string {
  const letters = 'abcdefghi';
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < letters.length; level++) {
    const previous = elementAt(letters, level - 1);
    lines.push(`${letters[level]}: &${letters[level]} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same bomb in block style, one alias per line. */
function blockBillionLaughs(): string {
  const letters = 'abcdefghi';
  const lines = ['a: &a', ...Array(9).fill('  - lol')];
  for (let level = 1; level < letters.length; level++) {
    lines.push(`${letters[level]}: &${letters[level]}`, ...Array(9).fill(`  - *${letters[level - 1]}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Every entry point answers without throwing; validation yields exactly the expected code. */
async function assertHandled(text: string, code: string): Promise<Diagnostic[]> {
  const document = labDocument(text);
  const diagnostics = await service.validate(document);
  assert.ok(withCode(diagnostics, code).length >= 1, `expected ${code}, got ${JSON.stringify(diagnostics.map((d) => d.code))}`);
  const position = { line: 0, character: 1 };
  await service.complete(document, position);
  await service.hover(document, position);
  service.documentSymbols(document);
  service.codeActions(document, { start: position, end: position }, diagnostics);
  return diagnostics;
}

describe('hostile input: size, alias bombs and depth', () => {
  test('a 20 MB file is refused with one diagnostic before parsing', async () => {
    const text = `name: big\nvms: []\n# ${'x'.repeat(20 * 1024 * 1024)}\n`;
    const diagnostics = await assertHandled(text, diagnosticCodes.documentTooLarge);
    assert.equal(diagnostics.length, 1);
    assert.match(elementAt(diagnostics, 0).message, /20\.0 MB; lab files are limited to 4\.0 MB/);
  });

  test('the billion laughs is refused as an alias bomb, in flow and block style', async () => {
    for (const text of [billionLaughs(), blockBillionLaughs()]) {
      const diagnostics = await assertHandled(text, diagnosticCodes.aliasLimit);
      assert.equal(diagnostics.length, 1);
      assert.match(elementAt(diagnostics, 0).message, /alias bomb/);
    }
  });

  test('too many aliases are refused', async () => {
    const limited = createLabLanguageService({ limits: { maxAliases: 50 } });
    const text = `name: many\nx: &x 1\nlist: [${Array(60).fill('*x').join(', ')}]\n`;
    const found = withCode(await limited.validate(labDocument(text)), diagnosticCodes.aliasLimit);
    assert.equal(found.length, 1);
    assert.match(elementAt(found, 0).message, /more than 50 aliases/);
  });

  test('a lab that reuses one anchor many times is not mistaken for a bomb', async () => {
    const vms = Array.from(
      { length: 300 },
      (_, index) =>
        `  - name: vm-${index}\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: vlm-tiny\n` +
        `    ansible_config_yaml: ${index === 0 ? '&book |\n      - hosts: all\n        tasks: []' : '*book'}`,
    );
    const diagnostics = await service.validate(labDocument(`name: reuse\nvms:\n${vms.join('\n')}\n`));
    assert.deepEqual(diagnostics, []);
  });

  test('100 000 opening brackets are refused as too deep', async () => {
    const diagnostics = await assertHandled(`name: deep\nvms: ${'['.repeat(100_000)}\n`, diagnosticCodes.nestingTooDeep);
    assert.equal(diagnostics.length, 1);
    assert.match(elementAt(diagnostics, 0).message, /nested more than 100 levels/);
  });

  test('deep compact block sequences are refused as too deep', async () => {
    await assertHandled(`name: deep\nvms:\n${'- '.repeat(50_000)}x\n`, diagnosticCodes.nestingTooDeep);
  });
});

describe('hostile input: recursive and deeply nested aliases', () => {
  test('an alias inside the node its anchor names is refused at the alias, and every feature answers empty', async () => {
    const cases = [
      // A VM that refers to itself (this gave vlm-internal-error, maximum call stack size exceeded).
      ['name: lab\nvms:\n  - &web\n    name: web\n    vcpu: 1\n    tags: [*web]\n', '*web]'],
      // Six lines that passed the line scan and made the outline exhaust the heap.
      ['name: &n lab\nvms: &v\n  - name: a\n    vcpu: 1\n    tags: *v\n    description: *v\n', '*v'],
      // Through a merge key, and through a nested anchor.
      ['name: lab\nvms:\n  - &v\n    <<: *v\n    name: v\n', '*v'],
      ['a: &a\n  b: &b\n    c: [*a]\n', '*a'],
    ] as const;
    for (const [text, alias] of cases) {
      const document = labDocument(text);
      const diagnostics = await service.validate(document);
      assert.deepEqual(
        diagnostics.map((diagnostic) => diagnostic.code),
        [diagnosticCodes.aliasCycle],
        text,
      );
      assert.deepEqual(elementAt(diagnostics, 0).range.start, rangeOf(document, alias).start, text);
      assert.match(
        elementAt(diagnostics, 0).message,
        /^The alias '\*[a-z]+' is inside the node its anchor '&[a-z]+' names, so the document would be infinitely deep\./,
      );
      const position = { line: 2, character: 4 };
      assert.deepEqual(service.documentSymbols(document), []);
      assert.deepEqual(service.foldingRanges(document), []);
      assert.deepEqual(service.selectionRanges(document, [position]), []);
      assert.equal(await service.hover(document, position), null);
      assert.deepEqual(service.codeActions(document, elementAt(diagnostics, 0).range, diagnostics), []);
      assert.ok(Array.isArray((await service.complete(document, position)).items));
    }
  });

  test('aliases that nest deeper than the limit once expanded are refused as too deep', async () => {
    const limited = createLabLanguageService({ limits: { maxNestingDepth: 10 } });
    // At most 5 levels as written (with the lab's mapping); 11 through the aliases.
    const text = 'a: &a [[[x]]]\nb: &b [[[*a]]]\nc: [[[[*b]]]]\n';
    const diagnostics = await limited.validate(labDocument(text));
    assert.deepEqual(
      diagnostics.map((diagnostic) => diagnostic.code),
      [diagnosticCodes.nestingTooDeep],
    );
    assert.match(elementAt(diagnostics, 0).message, /With the alias '\*b' expanded, collections are nested more than 10 levels deep/);
  });
});

describe('hostile input: floods of problems', () => {
  test('thousands of unknown names and a list of 100 000 wrong items are reported without stalling: at most 1000 problems, suggestions within a budget', async () => {
    // Each unknown depends_on entry is compared with every VM name for a "did you mean": the
    // comparisons share a budget (this lab took over ten minutes before).
    const vms = Array.from(
      { length: 2000 },
      (_, index) =>
        `  - name: vm-${'x'.repeat(50)}-${index}\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: vlm-tiny\n` +
        `    depends_on: [${Array.from({ length: 4 }, (_, entry) => `q${'y'.repeat(50)}${index}-${entry}`).join(', ')}]`,
    );
    for (const text of [`name: many\nvms:\n${vms.join('\n')}\n`, `name: items\nvms:\n${'  - 1\n'.repeat(100_000)}`]) {
      const diagnostics = await service.validate(labDocument(text));
      assert.equal(diagnostics.length, 1001);
      assert.equal(withCode(diagnostics, diagnosticCodes.internalError).length, 0);
      const last = elementAt(diagnostics, 1000);
      assert.equal(last.code, diagnosticCodes.tooManyProblems);
      assert.equal(last.message, 'This lab has more than 1000 problems; only the first 1000 are shown. Fix these and validate again.');
    }
    const items = await service.validate(labDocument(`name: items\nvms:\n${'  - 1\n'.repeat(100_000)}`));
    assert.ok(
      items.some(
        (diagnostic) =>
          diagnostic.code === diagnosticCodes.itemCount && diagnostic.message === 'vms has 100000 items; at most 4096 are allowed.',
      ),
    );
  });
});

describe('hostile input: not text and tabs', () => {
  test('NUL bytes are refused as not text, at their position', async () => {
    const document = labDocument('name: x\nvms: []\ndescription: a\u0000b\n');
    const diagnostics = await service.validate(document);
    assert.equal(diagnostics.length, 1);
    assert.equal(elementAt(diagnostics, 0).code, diagnosticCodes.notText);
    assert.deepEqual(elementAt(diagnostics, 0).range.start, { line: 2, character: 14 });
    assert.match(elementAt(diagnostics, 0).message, /Line 3, column 15 holds a NUL byte/);
  });

  test('binary garbage and invalid UTF-8 are refused as not text', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256)).toString('utf8');
    await assertHandled(garbage, diagnosticCodes.notText);
    const invalidUtf8 = Buffer.concat([
      Buffer.from('name: x\nvms: []\ndescription: '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('\n'),
    ]).toString('utf8');
    const diagnostics = await assertHandled(invalidUtf8, diagnosticCodes.notText);
    assert.match(elementAt(diagnostics, 0).message, /invalid UTF-8/);
  });

  test('tabs used as indentation get a clear message on their line', async () => {
    const document = labDocument('name: tabs\nvms:\n\t- name: a\n');
    const diagnostics = await service.validate(document);
    const found = withCode(diagnostics, diagnosticCodes.yamlSyntax);
    assert.equal(found.length, 1, JSON.stringify(diagnostics));
    assert.deepEqual(elementAt(found, 0).range, { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } });
    assert.match(elementAt(found, 0).message, /Line 3 is indented with a tab\. YAML allows only spaces for indentation/);
  });

  test('a tab inside a block scalar or after a value is not indentation', async () => {
    const text =
      'name: tabs\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: vlm-tiny\n    cloud_init: |\n      #!/bin/sh\n      \techo hi\n';
    assert.deepEqual(withCode(await service.validate(labDocument(text)), diagnosticCodes.yamlSyntax), []);
  });
});

describe('hostile input: line endings, odd documents and exceptions', () => {
  test('CRLF line endings keep every position right', async () => {
    const lf =
      'name: crlf\nnetworks:\n  - name: lan\n    cidr: 10.0.0.0/24\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: nope\n    networks: [wan]\n    ssh_port: 1\n';
    const lfDocument = labDocument(lf);
    const crlfDocument = labDocument(lf.replace(/\n/g, '\r\n'));
    const lfDiagnostics = await service.validate(lfDocument);
    const crlfDiagnostics = await service.validate(crlfDocument);
    assert.deepEqual(
      crlfDiagnostics.map((d) => [d.code, d.range]),
      lfDiagnostics.map((d) => [d.code, d.range]),
    );
    assert.deepEqual(elementAt(withCode(crlfDiagnostics, diagnosticCodes.unknownImage), 0).range, rangeOf(crlfDocument, 'nope'));
    assert.deepEqual(elementAt(withCode(crlfDiagnostics, diagnosticCodes.undefinedNetwork), 0).range, rangeOf(crlfDocument, 'wan'));
  });

  test('odd but harmless documents do not crash', async () => {
    for (const text of [
      '',
      '---\n...\n',
      '[]',
      '"just a string"',
      'vms: 5',
      'vms: [1, null, [], {}]',
      '- a\n- b',
      '{',
      '?',
      ':',
      'name: x\nvms:\n  - networks: [{}, {name: 5}]\n    depends_on: [[], {}]\n',
      '---\nname: a\n---\nname: b\n',
    ]) {
      const diagnostics = await service.validate(labDocument(text));
      assert.ok(Array.isArray(diagnostics));
      assert.equal(
        withCode(diagnostics, diagnosticCodes.internalError).length,
        0,
        `${JSON.stringify(text)}: ${JSON.stringify(diagnostics)}`,
      );
    }
  });

  test('an unexpected exception becomes a coded diagnostic and an error report, not a crash', async () => {
    const errors: string[] = [];
    const broken = createLabLanguageService({ onError: (what) => errors.push(elementAt(what.split(' '), 0)) });
    broken.setCatalog({ images: null } as unknown as ImageCatalog);
    const document = labDocument('name: x\nvms:\n  - name: a\n    os_image: debian-12\n');
    const diagnostics = await broken.validate(document);
    assert.deepEqual(
      diagnostics.map((diagnostic) => diagnostic.code),
      [diagnosticCodes.internalError],
    );
    assert.match(elementAt(diagnostics, 0).message, /could not validate this document/);
    assert.deepEqual(await broken.complete(document, { line: 3, character: 14 }), { isIncomplete: false, items: [] });
    assert.deepEqual(errors, ['validate', 'complete']);
  });
});
