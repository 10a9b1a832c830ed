// Derives the TypeScript types from the JSON schemas, so no hand-written copy can drift.
// `--check` exits non-zero when the committed file differs from what the schemas give.
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['lab.schema.json', 'image-catalog.schema.json', 'panel-messages.schema.json'];
const target = join(root, 'src', 'generated-types.ts');

let output = '// Generated from the JSON schemas by schemas/scripts/generate-types.mjs. Do not edit.\n';
for (const file of sources) {
  const schema = bareReferences(JSON.parse(readFileSync(join(root, file), 'utf8')));
  const types = await compile(schema, schema.title, {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    format: true,
    // The repository's formatter settings (biome.json), so the generated file needs no reformatting.
    style: { singleQuote: true, printWidth: 140, trailingComma: 'all' },
    ignoreMinAndMaxItems: true,
    cwd: root,
  });
  output += `\n${types}`;
}

// A `$ref` with sibling keywords makes a numbered copy of the referenced type
// (Tags1, Name2...). The siblings only document the field, so types drop them.
function bareReferences(node) {
  if (Array.isArray(node)) return node.map(bareReferences);
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, bareReferences(value)]));
}

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== output) {
    console.error(`${target} is out of date: run "npm run generate -w schemas".`);
    process.exit(1);
  }
} else {
  writeFileSync(target, output);
}
