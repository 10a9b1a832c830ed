import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { builtInImageCatalog, imageCatalogSchema, imageNames, isValidName, labSchema } from '../src/index';

const examplesFolder = join(__dirname, '..', 'examples');
const exampleFiles = readdirSync(examplesFolder).filter((file) => file.endsWith('.lab.yaml'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validateLab = ajv.compile(labSchema);

/** Every schema object node with its JSON pointer. */
function* schemaNodes(node: unknown, pointer = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* schemaNodes(item, `${pointer}/${index}`);
  } else if (node !== null && typeof node === 'object') {
    yield [pointer, node as Record<string, unknown>];
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'examples' && key !== 'default' && key !== 'enum') yield* schemaNodes(value, `${pointer}/${key}`);
    }
  }
}

test('there are at least three example labs', () => {
  assert.ok(exampleFiles.length >= 3, `found ${exampleFiles.join(', ')}`);
});

for (const file of exampleFiles) {
  test(`example ${file} is valid against the lab schema`, () => {
    const lab = parse(readFileSync(join(examplesFolder, file), 'utf8'));
    const valid = validateLab(lab);
    assert.ok(valid, JSON.stringify(validateLab.errors, null, 2));
  });
}

test('every object in the lab schema forbids unknown fields', () => {
  for (const [pointer, node] of schemaNodes(labSchema)) {
    if (node.type === 'object') assert.equal(node.additionalProperties, false, `${pointer} allows unknown fields`);
  }
});

test('every field of the lab schema has a markdownDescription', () => {
  for (const [pointer, node] of schemaNodes(labSchema)) {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (!pointer.endsWith('/properties') && properties) {
      for (const [name, field] of Object.entries(properties)) {
        assert.equal(typeof field.markdownDescription, 'string', `${pointer}/properties/${name} has no markdownDescription`);
      }
    }
  }
});

test('the lab schema has an $id', () => {
  assert.match(String(labSchema.$id), /^https:\/\/.+lab\.schema\.json$/);
});

test('the built-in catalog is valid and names the required images', () => {
  const validateCatalog = ajv.compile(imageCatalogSchema);
  assert.ok(validateCatalog(builtInImageCatalog), JSON.stringify(validateCatalog.errors));
  for (const name of ['debian-12', 'ubuntu-24.04', 'vlm-tiny']) assert.ok(imageNames().includes(name), name);
});

test('names are DNS labels and nothing else', () => {
  for (const good of ['a', 'web-1', 'x'.repeat(63), '0db']) assert.ok(isValidName(good), good);
  const hostile = ['', 'Web', '-web', 'web-', 'a_b', 'a.b', '../etc', "o'brien", 'a<b', '$(reboot)', 'x'.repeat(64), 'a b'];
  for (const bad of hostile) assert.ok(!isValidName(bad), bad);
});

test('the schema rejects hostile names with the field that is wrong', () => {
  const lab = { name: 'lab', vms: [{ name: '$(reboot)', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] };
  assert.equal(validateLab(lab), false);
  assert.ok(validateLab.errors?.some((error) => error.instancePath === '/vms/0/name' && error.keyword === 'pattern'));
});

test('the schema rejects fractional, negative and unknown values', () => {
  const vm = { name: 'a', vcpu: 1.5, ram_mb: -1, disk_gb: 1, os_image: 'vlm-tiny', colour: 'red' };
  assert.equal(validateLab({ name: 'lab', vms: [vm] }), false);
  const problems = validateLab.errors?.map((error) => `${error.instancePath} ${error.keyword}`) ?? [];
  assert.ok(problems.includes('/vms/0/vcpu type'), problems.join('\n'));
  assert.ok(problems.includes('/vms/0/ram_mb minimum'), problems.join('\n'));
  assert.ok(problems.includes('/vms/0 additionalProperties'), problems.join('\n'));
});
