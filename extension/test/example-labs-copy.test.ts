// npm start opens a copy of the example labs outside the checkout, and keeps the user's edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExampleLabs, exampleLabsFolder } from '../../scripts/example-labs.mjs';

const examples = join(__dirname, '..', '..', 'schemas', 'examples');

test('the copy holds every example lab, outside the checkout, and a second start keeps edits and adds what is missing', (context) => {
  const state = mkdtempSync(join(tmpdir(), 'vlm-examples-'));
  context.after(() => rmSync(state, { recursive: true, force: true }));
  const folder = exampleLabsFolder(join(state, 'npm-start'));
  assert.equal(folder, join(state, 'npm-start-labs'));
  const labs = readdirSync(examples).filter((name) => name.endsWith('.lab.yaml'));
  assert.deepEqual(copyExampleLabs(examples, folder).sort(), labs.sort());
  assert.equal(readFileSync(join(folder, 'tiny-pair.lab.yaml'), 'utf8'), readFileSync(join(examples, 'tiny-pair.lab.yaml'), 'utf8'));

  writeFileSync(join(folder, 'tiny-pair.lab.yaml'), 'name: edited\n');
  rmSync(join(folder, 'router.lab.yaml'));
  assert.deepEqual(copyExampleLabs(examples, folder), ['router.lab.yaml']);
  assert.equal(readFileSync(join(folder, 'tiny-pair.lab.yaml'), 'utf8'), 'name: edited\n');
  // The checkout's own examples are untouched.
  assert.notEqual(readFileSync(join(examples, 'tiny-pair.lab.yaml'), 'utf8'), 'name: edited\n');
});
