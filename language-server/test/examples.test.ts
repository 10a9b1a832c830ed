// Every example lab shipped in schemas/examples validates with no errors at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { createLabLanguageService } from '../src/index';
import { labDocument } from './lab-text';

const examplesFolder = join(import.meta.dirname, '..', '..', 'schemas', 'examples');
const examples = readdirSync(examplesFolder).filter((file) => file.endsWith('.lab.yaml'));

test('the example labs exist', () => {
  assert.ok(examples.length >= 1, `no *.lab.yaml in ${examplesFolder}`);
});

const service = createLabLanguageService();
for (const file of examples) {
  test(`example ${file} validates with zero errors`, async () => {
    const text = readFileSync(join(examplesFolder, file), 'utf8');
    const diagnostics = await service.validate(labDocument(text, `file:///examples/${file}`));
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
    assert.deepEqual(errors, []);
  });
}
