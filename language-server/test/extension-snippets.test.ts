// The extension's snippets (extension/snippets/vlm-lab.code-snippets), expanded as VS Code does
// with their default values and indented where a user types them, make labs that the language
// service accepts with no diagnostic at all: schema and semantic checks alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLabLanguageService } from '../src/index';
import { labDocument } from './lab-text';

interface Snippet {
  prefix: string | string[];
  body: string | string[];
  description: string;
}

const snippetsFile = join(import.meta.dirname, '..', '..', 'extension', 'snippets', 'vlm-lab.code-snippets');
const snippets = JSON.parse(readFileSync(snippetsFile, 'utf8')) as Record<string, Snippet>;
const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'extension', 'package.json'), 'utf8'));

/** The snippet's text once every placeholder keeps its default, as Tab-Tab-Tab leaves it. */
function expand(snippet: Snippet, indentation: string): string {
  const lines = Array.isArray(snippet.body) ? snippet.body : snippet.body.split('\n');
  const text = lines
    .map((line, index) => (index === 0 || line === '$0' ? line : indentation + line))
    .join('\n')
    .replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
  assert.doesNotMatch(text, /\$/, 'a placeholder was left unexpanded');
  return text;
}

/** A lab with one place to type in, marked ¦, at `indentation`. */
async function diagnosticsOf(lab: string, snippetName: string, indentation: string) {
  const snippet = snippets[snippetName];
  assert.ok(snippet, `no snippet "${snippetName}"`);
  const text = lab.replace('¦', expand(snippet, indentation));
  return { text, diagnostics: await createLabLanguageService().validate(labDocument(text, 'file:///snippets/test.lab.yaml')) };
}

test('the manifest points at the snippets file, for lab files', () => {
  assert.deepEqual(manifest.contributes.snippets, [{ language: 'vlm-lab', path: './snippets/vlm-lab.code-snippets' }]);
  assert.deepEqual(Object.keys(snippets).sort(), ['Ansible playbook', 'Network', 'Virtual machine']);
  for (const [name, snippet] of Object.entries(snippets)) assert.ok(snippet.description.length > 10, name);
});

test('the VM snippet, typed under vms:, makes a lab with no diagnostic', async () => {
  const lab = 'name: snippets\nnetworks:\n  - name: lan\n    cidr: 10.10.0.0/24\nvms:\n  ¦';
  const { text, diagnostics } = await diagnosticsOf(lab, 'Virtual machine', '  ');
  assert.deepEqual(diagnostics, [], text);
  assert.match(text, /^ {4}os_image: ubuntu-24\.04$/m);
});

test('the network snippet, typed under networks:, makes a lab with no diagnostic', async () => {
  const lab =
    'name: snippets\nnetworks:\n  ¦\nvms:\n  - name: vm1\n    vcpu: 1\n    ram_mb: 512\n    disk_gb: 4\n    os_image: ubuntu-24.04\n    networks: [lan]\n';
  const { text, diagnostics } = await diagnosticsOf(lab, 'Network', '  ');
  assert.deepEqual(diagnostics, [], text);
  assert.match(text, /^ {4}cidr: 10\.10\.0\.0\/24$/m);
});

test('the Ansible snippet, typed inside a VM, makes a lab with no diagnostic, its playbook checked too', async () => {
  const lab = 'name: snippets\nvms:\n  - name: web\n    vcpu: 1\n    ram_mb: 512\n    disk_gb: 4\n    os_image: ubuntu-24.04\n    ¦';
  const { text, diagnostics } = await diagnosticsOf(lab, 'Ansible playbook', '    ');
  assert.deepEqual(diagnostics, [], text);
  assert.match(text, /^ {12}ansible\.builtin\.apt:$/m);
  // The check is live: the same playbook aimed at the VLM host is refused.
  const hostile = await createLabLanguageService().validate(
    labDocument(text.replace('- hosts: all', '- hosts: all\n        connection: local'), 'file:///snippets/hostile.lab.yaml'),
  );
  assert.ok(hostile.length > 0, 'a playbook with connection: local was accepted');
});
