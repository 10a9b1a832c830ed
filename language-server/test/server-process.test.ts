// The bundled server as a real process: `node language-server/dist/server.js --stdio` answers
// initialize and shuts down cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InitializeResult } from 'vscode-languageserver-protocol';
import { initializeParams, startBundledServer } from './lsp-client';
import { elementAt } from './lab-text';

test('the built server starts over stdio, answers initialize and exits after shutdown', async () => {
  const server = startBundledServer();
  const { client } = server;
  try {
    const result: InitializeResult = await client.connection.sendRequest('initialize', { ...initializeParams, processId: process.pid });
    assert.equal(result.serverInfo?.name, 'vlm-language-server');
    assert.deepEqual(result.capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(result.capabilities.foldingRangeProvider, true);
    assert.equal(result.capabilities.selectionRangeProvider, true);
    await client.connection.sendNotification('initialized', {});

    const uri = 'file:///process/lab.lab.yaml';
    await client.connection.sendNotification('textDocument/didOpen', {
      textDocument: {
        uri,
        languageId: 'yaml',
        version: 1,
        text: 'name: p\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: nope\n',
      },
    });
    const published = await client.diagnostics((publication) => publication.uri === uri, 'from the bundled server');
    assert.deepEqual(
      published.diagnostics.map((diagnostic) => diagnostic.code),
      ['vlm-unknown-image'],
    );

    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    const [code, signal] = await server.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, `server stderr:\n${server.stderr()}`);
  } finally {
    server.dispose();
  }
});

test('the built server treats lab, VM and network names that are object keys as ordinary names', async () => {
  const server = startBundledServer();
  const { client } = server;
  try {
    await client.connection.sendRequest('initialize', { ...initializeParams, processId: process.pid });
    await client.connection.sendNotification('initialized', {});
    const names = ['constructor', 'prototype', 'valueof', 'tostring', 'hasownproperty'];
    const vm = (name: string) => `  - { name: ${name}, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [constructor] }`;
    const lines = [
      'name: constructor',
      'networks:',
      '  - { name: constructor, cidr: 10.97.0.0/24 }',
      'vms:',
      ...names.map(vm),
      '  - name: last',
      '    vcpu: 1',
      '    ram_mb: 128',
      '    disk_gb: 1',
      '    os_image: vlm-tiny',
      '    networks: [constructor]',
      '    depends_on: [',
      '',
    ];
    const uri = 'file:///process/object-keys.lab.yaml';
    const text = lines.join('\n').replace('depends_on: [\n', 'depends_on: [constructor, prototype]\n');
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the object-key lab');
    assert.deepEqual(published.diagnostics, []);

    // Completion offers every VM name, the object-key ones included, where a VM is named.
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: lines.join('\n') }],
    });
    const dependsLine = lines.findIndex((line) => line.endsWith('depends_on: ['));
    const completion: { items: Array<{ label: string }> } = await client.connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line: dependsLine, character: elementAt(lines, dependsLine).length },
    });
    assert.deepEqual(completion.items.map((item) => item.label).sort(), [...names].sort());

    const symbols: Array<{ name: string; children?: Array<{ name: string; children?: Array<{ name: string }> }> }> =
      await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
    const outline = JSON.stringify(symbols);
    for (const name of names) assert.ok(outline.includes(`"${name}"`), `${name} in the outline ${outline}`);

    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    assert.deepEqual(await server.exited, [0, null], server.stderr());
  } finally {
    server.dispose();
  }
});
