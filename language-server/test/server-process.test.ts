// The bundled server as a real process: `node language-server/dist/server.js --stdio` answers
// initialize and shuts down cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { InitializeResult } from 'vscode-languageserver-protocol';
import { connectClient, initializeParams } from './lsp-client';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const bundle = join(repositoryRoot, 'language-server', 'dist', 'server.js');

test('the built server starts over stdio, answers initialize and exits after shutdown', async () => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, `node scripts/build.mjs failed, so the server bundle cannot be tested:\n${build.stderr}${build.stdout}`);
  assert.ok(existsSync(bundle), `the build did not produce ${bundle}`);

  const child = spawn(process.execPath, [bundle, '--stdio'], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const client = connectClient(child.stdout, child.stdin);
  try {
    const result: InitializeResult = await client.connection.sendRequest('initialize', { ...initializeParams, processId: process.pid });
    assert.equal(result.serverInfo?.name, 'vlm-language-server');
    assert.deepEqual(result.capabilities.textDocumentSync, { openClose: true, change: 2 });
    await client.connection.sendNotification('initialized', {});

    const uri = 'file:///process/lab.lab.yaml';
    await client.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text: 'name: p\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: nope\n' },
    });
    const published = await client.diagnostics((publication) => publication.uri === uri, 'from the bundled server');
    assert.deepEqual(published.diagnostics.map((diagnostic) => diagnostic.code), ['vlm-unknown-image']);

    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    const [code, signal] = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0, `server stderr:\n${stderr}`);
  } finally {
    client.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('the built server treats lab, VM and network names that are object keys as ordinary names', async () => {
  assert.ok(existsSync(bundle), `${bundle} is built by the test above`);
  const child = spawn(process.execPath, [bundle, '--stdio'], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  const client = connectClient(child.stdout, child.stdin);
  try {
    await client.connection.sendRequest('initialize', { ...initializeParams, processId: process.pid });
    await client.connection.sendNotification('initialized', {});
    const names = ['constructor', 'prototype', 'valueof', 'tostring', 'hasownproperty'];
    const vm = (name: string) => `  - { name: ${name}, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [constructor] }`;
    const lines = ['name: constructor', 'networks:', '  - { name: constructor, cidr: 10.97.0.0/24 }', 'vms:', ...names.map(vm), '  - name: last', '    vcpu: 1', '    ram_mb: 128', '    disk_gb: 1', '    os_image: vlm-tiny', '    networks: [constructor]', '    depends_on: [', ''];
    const uri = 'file:///process/object-keys.lab.yaml';
    const text = lines.join('\n').replace('depends_on: [\n', 'depends_on: [constructor, prototype]\n');
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the object-key lab');
    assert.deepEqual(published.diagnostics, []);

    // Completion offers every VM name, the object-key ones included, where a VM is named.
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: lines.join('\n') }] });
    const dependsLine = lines.findIndex((line) => line.endsWith('depends_on: ['));
    const completion: { items: Array<{ label: string }> } = await client.connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line: dependsLine, character: lines[dependsLine]!.length },
    });
    assert.deepEqual(completion.items.map((item) => item.label).sort(), [...names].sort());

    const symbols: Array<{ name: string; children?: Array<{ name: string; children?: Array<{ name: string }> }> }> = await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
    const outline = JSON.stringify(symbols);
    for (const name of names) assert.ok(outline.includes(`"${name}"`), `${name} in the outline ${outline}`);

    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    assert.deepEqual(await exited, [0, null]);
  } finally {
    client.dispose();
    if (child.exitCode === null) child.kill();
  }
});
