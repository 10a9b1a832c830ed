import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { labSchema } from '@vlm/schemas';
import { createLabLanguageService } from '@vlm/language-server';
import { freeLabName, starterLab } from '../src/starter-lab';

test('the starter lab is valid against the lab schema', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(labSchema);
  const lab = parse(starterLab('my-lab')) as { name?: unknown };
  assert.ok(validate(lab), JSON.stringify(validate.errors, null, 2));
  assert.equal(lab.name, 'my-lab');
});

test('the language service finds nothing to report in the starter lab', async () => {
  const service = createLabLanguageService();
  const document = TextDocument.create('file:///work/my-lab.lab.yaml', 'vlm-lab', 1, starterLab('my-lab'));
  const diagnostics = await service.validate(document);
  assert.deepEqual(
    diagnostics.map((diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`),
    [],
  );
});

test('the starter lab teaches through comments', () => {
  const comments = starterLab('x')
    .split('\n')
    .filter((line) => line.trim().startsWith('#'));
  assert.ok(comments.length >= 5, `only ${comments.length} comment lines`);
});

test('new lab names avoid the files already in the folder', () => {
  assert.equal(freeLabName(new Set()), 'my-lab');
  assert.equal(freeLabName(new Set(['my-lab', 'my-lab-2'])), 'my-lab-3');
});
