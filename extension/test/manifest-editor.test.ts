// The manifest's editor integration and packaging: language defaults, keybindings, the lab schema
// for other YAML tools and its offline `vlm-schema:` URI, translations, the links a marketplace
// page shows, and what the .vsix holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSchemaUri, schemaFileOf, schemaFolderEntries, schemaScheme } from '../src/schema-files';

const extensionFolder = join(__dirname, '..');
const repositoryRoot = join(extensionFolder, '..');
const manifest = JSON.parse(readFileSync(join(extensionFolder, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

interface Keybinding {
  command: string;
  key: string;
  mac?: string;
  when?: string;
}

test('lab files indent with 2 spaces and suggest inside strings by default', () => {
  const defaults = contributes.configurationDefaults['[vlm-lab]'];
  assert.equal(defaults['editor.tabSize'], 2);
  assert.equal(defaults['editor.insertSpaces'], true);
  assert.equal(defaults['editor.quickSuggestions'].strings, true);
});

test('Deploy and Plan have keys in lab files only; in Restricted Mode Deploy offers to trust the folder', () => {
  const keys: Keybinding[] = contributes.keybindings;
  assert.deepEqual(keys.map((key) => key.command).sort(), ['vlm.deploy', 'vlm.plan']);
  const declared = new Set((contributes.commands as { command: string }[]).map((command) => command.command));
  for (const key of keys) {
    assert.ok(declared.has(key.command), key.command);
    // Not gated on trust: the command's own check offers "Manage Workspace Trust" (command-trust.ts).
    assert.equal(key.when, 'editorLangId == vlm-lab', key.command);
    // Ctrl+Shift+Alt with a letter: VS Code binds none by default (it uses that modifier set only
    // with arrows, for copying lines and column selection), so nothing is shadowed.
    assert.match(key.key, /^ctrl\+shift\+alt\+[a-z]$/, key.command);
    assert.match(key.mac ?? '', /^cmd\+shift\+alt\+[a-z]$/, key.command);
  }
  assert.equal(new Set(keys.map((key) => key.key)).size, keys.length, 'two commands share a key');
});

test('the lab schema is published for YAML tools, from the copy the extension ships', () => {
  const [validation] = contributes.yamlValidation;
  assert.deepEqual(validation.fileMatch, ['*.lab.yaml', '*.lab.yml']);
  const shipped = join(extensionFolder, validation.url);
  assert.ok(existsSync(shipped), `${shipped} is missing: run node scripts/build.mjs extension/`);
  assert.equal(readFileSync(shipped, 'utf8'), readFileSync(join(repositoryRoot, 'schemas', 'lab.schema.json'), 'utf8'));
});

test('vlm-schema:/lab/v1/lab.schema.json resolves to the shipped lab schema, and nothing else resolves', () => {
  assert.equal(schemaScheme, 'vlm-schema');
  const uri = new URL(labSchemaUri);
  assert.equal(uri.protocol, 'vlm-schema:');
  const file = schemaFileOf(uri.pathname);
  assert.equal(file, contributes.yamlValidation[0].url.replace(/^\.\//, ''));
  const schema = JSON.parse(readFileSync(join(extensionFolder, file ?? ''), 'utf8'));
  assert.equal(schema.title, 'Lab');
  assert.deepEqual(schemaFolderEntries('/'), ['lab']);
  assert.deepEqual(schemaFolderEntries('/lab/v1'), ['lab.schema.json']);
  for (const hostile of [
    '/lab/v1/../../../package.json',
    '/lab/v1/lab.schema.json/',
    '/lab/v1/%2e%2e/lab.schema.json',
    '/LAB/V1/LAB.SCHEMA.JSON',
    '/dist/schemas/lab.schema.json',
    '//etc/passwd',
    '',
  ]) {
    assert.equal(schemaFileOf(hostile), undefined, hostile);
  }
  assert.equal(schemaFolderEntries('/etc'), undefined);
});

test('every command has a title, and every %key% of the manifest has its string in package.nls.json', () => {
  const strings = JSON.parse(readFileSync(join(extensionFolder, 'package.nls.json'), 'utf8')) as Record<string, string>;
  for (const command of contributes.commands as { command: string; title?: string; category?: string }[]) {
    // Run `node scripts/manifest-strings.mjs` after adding commands: it moves their words there.
    assert.match(command.title ?? '', /^%command\.[\w.]+%$/, `${command.command}'s title is not in package.nls.json`);
    assert.equal(command.category, '%category%', command.command);
  }
  assert.equal(strings.category, 'Virtual Labs');
  for (const view of Object.values(contributes.views as Record<string, { id: string; name: string }[]>).flat()) {
    assert.match(view.name, /^%view\.[\w.]+%$/, view.id);
  }
  const keys = [...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((match) => match[1] ?? '');
  assert.ok(keys.length > 0, 'no string of the manifest is ready for translation');
  for (const key of keys) assert.ok(typeof strings[key] === 'string' && strings[key].length > 0, `%${key}% has no string`);
  // No string left behind, either.
  for (const key of Object.keys(strings)) assert.ok(keys.includes(key), `package.nls.json has ${key}, which the manifest does not use`);
});

test('the manifest links its repository, issues and home page, and the changelog exists', () => {
  assert.match(manifest.repository.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  assert.match(manifest.bugs.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/issues$/);
  assert.match(manifest.homepage, /^https:\/\//);
  assert.match(readFileSync(join(extensionFolder, 'CHANGELOG.md'), 'utf8'), /^# Changelog\n/);
  assert.deepEqual(manifest.extensionKind, ['workspace']);
});

test('the .vsix holds the bundles, the schema, the snippets and the changelog, and no benchmark, test or source', () => {
  const vsce = join(repositoryRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  assert.ok(existsSync(vsce), '@vscode/vsce is not installed: run npm ci at the repository root');
  const listed = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: extensionFolder, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const files = listed.stdout.split('\n').filter((line) => line.length > 0);
  for (const wanted of [
    'package.json',
    'CHANGELOG.md',
    'dist/extension.js',
    'dist/schemas/lab.schema.json',
    'snippets/vlm-lab.code-snippets',
  ]) {
    assert.ok(files.includes(wanted), `${wanted} is not packed`);
  }
  if (existsSync(join(extensionFolder, 'package.nls.json'))) assert.ok(files.includes('package.nls.json'));
  const unwanted = files.filter((file) => /^(bench|test|src)\/|\.ts$|\.map$/.test(file));
  assert.deepEqual(unwanted, []);
});
