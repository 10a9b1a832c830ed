// Validation after an edit of one VM's block splices a re-parse of that block into the last
// parse. Its diagnostics must be exactly those of a full validation: compared here over
// thousands of seeded random edits (structure, broken YAML, renamed and duplicated names and
// ports, block scalars, lines inserted and deleted at block boundaries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { changeBetween, describesChange } from '../src/vm-block-reparse';
import { generateLab } from '../bench/generate-lab';
import { elementAt, yamlFragments } from './lab-text';

/** A seeded generator, so a failing edit can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Replacements that keep a line's shape but change what the lab rules see. */
const valueEdits: ReadonlyArray<[RegExp, (random: () => number) => string]> = [
  [/ssh_port: \d+/, (random) => `ssh_port: ${22000 + Math.floor(random() * 12)}`],
  [/vcpu: \d+/, (random) => `vcpu: ${Math.floor(random() * 6)}`],
  [/name: vm-\d+/, (random) => `name: vm-${String(1 + Math.floor(random() * 12)).padStart(4, '0')}`],
  [/- vm-\d+/, (random) => `- vm-${String(1 + Math.floor(random() * 14)).padStart(4, '0')}`],
  [/net-\d+/, (random) => `net-0${Math.floor(random() * 4)}`],
  [/os_image: \S+/, (random) => (random() < 0.5 ? 'os_image: nowhere-9' : 'os_image: debian-12')],
  [/ip: \S+/, (random) => `ip: 10.20.${Math.floor(random() * 3)}.${Math.floor(random() * 300)}`],
  [/hosts: all/, (random) => (random() < 0.5 ? 'hosts: [other]' : 'hosts: all')],
  [/- htop/, (random) => (random() < 0.5 ? '- [htop' : '- htop')],
];

const insertedLines = [
  '    vcpu: 2\n',
  '    # a comment\n',
  '\n',
  '  - name: vm-new\n',
  '      - extra\n',
  '    networks: [net-01]\n',
  'top: 1\n',
  '\tvcpu: 1\n',
  '    description: "open\n',
  '        more cloud-init text\n',
];

/** One random edit of `text`, of a kind chosen by `random`. */
function randomEdit(text: string, random: () => number): string {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index >= 0 && index < text.length - 1; index = text.indexOf('\n', index + 1))
    lineStarts.push(index + 1);
  const line = Math.floor(random() * lineStarts.length);
  const lineStart = elementAt(lineStarts, line);
  const lineEnd = line + 1 < lineStarts.length ? elementAt(lineStarts, line + 1) : text.length;
  const kind = random();
  if (kind < 0.35) {
    const [pattern, replacement] = elementAt(valueEdits, Math.floor(random() * valueEdits.length));
    const lineText = text.slice(lineStart, lineEnd);
    if (pattern.test(lineText)) return text.slice(0, lineStart) + lineText.replace(pattern, replacement(random)) + text.slice(lineEnd);
    return text.slice(0, lineStart) + lineText.replace(/\d/, String(Math.floor(random() * 10))) + text.slice(lineEnd);
  }
  if (kind < 0.55) {
    const inserted = elementAt(insertedLines, Math.floor(random() * insertedLines.length));
    return text.slice(0, lineStart) + inserted + text.slice(lineStart);
  }
  if (kind < 0.65) return text.slice(0, lineStart) + text.slice(lineEnd);
  const at = lineStart + Math.floor(random() * (lineEnd - lineStart));
  if (kind < 0.85) return text.slice(0, at) + elementAt(yamlFragments, Math.floor(random() * yamlFragments.length)) + text.slice(at);
  return text.slice(0, at) + text.slice(Math.min(lineEnd, at + 1 + Math.floor(random() * 6)));
}

test('diagnostics after random edits are those of a full validation', async () => {
  const random = seeded(20261129);
  const parses = { 'vm-block': 0, full: 0 };
  const service = createLabLanguageService({ onValidationParse: (_uri, parse) => parses[parse]++ });
  const reference = createLabLanguageService();
  const original = generateLab(8);
  const uri = 'file:///test/edited.lab.yaml';
  let text = original;
  let version = 1;
  let referenceCount = 0;
  await service.validate(TextDocument.create(uri, 'yaml', version, text));
  for (let edit = 0; edit < 2000; edit++) {
    // Often back to the valid lab, so edits keep landing in a lab that parses.
    if (edit % 5 === 4) text = original;
    const before = text;
    text = randomEdit(text, random);
    const document = TextDocument.create(uri, 'yaml', ++version, text);
    // Half the time the change is given (as the server does), half the time it is found.
    const change = random() < 0.5 ? changeBetween(before, text) : undefined;
    const spliced = await service.validate(document, change);
    const referenceUri = `file:///test/reference-${++referenceCount}/edited.lab.yaml`;
    const full = await reference.validate(TextDocument.create(referenceUri, 'yaml', 1, text));
    reference.forget(referenceUri);
    assert.deepEqual(spliced, full, `edit ${edit}: ${JSON.stringify(text)}`);
    if (edit % 10 === 0) {
      assert.deepEqual(service.labTopology(document), reference.labTopology(TextDocument.create(referenceUri, 'yaml', 1, text)));
      reference.forget(referenceUri);
    }
  }
  // Most edits stay inside one VM's block; the test is empty if none took that path.
  assert.ok(parses['vm-block'] > 350, `only ${parses['vm-block']} of ${parses['vm-block'] + parses.full} validations spliced a block`);
  assert.ok(parses.full > 300, `only ${parses.full} validations parsed in full`);
});

test('a change that does not describe the edit is not trusted', async () => {
  const parses: string[] = [];
  const service = createLabLanguageService({ onValidationParse: (_uri, parse) => parses.push(parse) });
  const text = generateLab(5);
  const uri = 'file:///test/wrong-change.lab.yaml';
  await service.validate(TextDocument.create(uri, 'yaml', 1, text));
  const edited = text.replace('vcpu: 3', 'vcpu: 0');
  assert.equal(describesChange(text, edited, { start: 0, oldEnd: 1, newEnd: 1 }), false);
  const wrongChange = { start: 0, oldEnd: 1, newEnd: 1 };
  const diagnostics = await service.validate(TextDocument.create(uri, 'yaml', 2, edited), wrongChange);
  const full = await createLabLanguageService().validate(TextDocument.create('file:///test/wrong-change-full.lab.yaml', 'yaml', 1, edited));
  assert.deepEqual(diagnostics, full);
  assert.ok(diagnostics.some((diagnostic) => diagnostic.message.includes('vcpu')));
  assert.deepEqual(parses, ['full', 'vm-block']);
  // Out-of-range and inconsistent changes are refused too.
  assert.equal(describesChange(text, edited, { start: -1, oldEnd: 2, newEnd: 2 }), false);
  assert.equal(describesChange(text, edited, { start: 5, oldEnd: 4, newEnd: 4 }), false);
  assert.equal(describesChange(text, edited, { start: 0, oldEnd: text.length + 5, newEnd: edited.length + 5 }), false);
});

test('hostile edits inside a VM block get the answer of a full validation', async () => {
  const parses: string[] = [];
  const service = createLabLanguageService({ onValidationParse: (_uri, parse) => parses.push(parse) });
  const reference = createLabLanguageService();
  const text = generateLab(6);
  const uri = 'file:///test/hostile-edit.lab.yaml';
  await service.validate(TextDocument.create(uri, 'yaml', 1, text));
  const bomb = ['    x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= 8; level++)
    bomb.push(
      `    x-l${level}: &l${level} [${Array(10)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  const edits = [
    text.replace('    vcpu: 2\n', `${bomb.join('\n')}\n    vcpu: 2\n`),
    text.replace('    vcpu: 2\n', `    vcpu: ${'['.repeat(150)}${']'.repeat(150)}\n`),
    text.replace('    vcpu: 2\n', `    tags: ${'['.repeat(98)}${']'.repeat(98)}\n    vcpu: 2\n`),
    text.replace('    vcpu: 2\n', '    vcpu: 2\n  - name: injected\n'),
    text,
  ];
  for (const [index, edited] of edits.entries()) {
    const diagnostics = await service.validate(TextDocument.create(uri, 'yaml', index + 2, edited));
    const full = await reference.validate(
      TextDocument.create(`file:///test/hostile-reference-${index}/hostile-edit.lab.yaml`, 'yaml', 1, edited),
    );
    assert.deepEqual(diagnostics, full, `edit ${index}`);
    if (index === 0) assert.ok(diagnostics.some((diagnostic) => diagnostic.code === diagnosticCodes.aliasLimit));
  }
  assert.ok(
    parses.slice(1, 4).every((parse) => parse === 'full'),
    parses.join(', '),
  );
});
