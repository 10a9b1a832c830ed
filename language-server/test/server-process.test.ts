// The bundled server as a real process: `node language-server/dist/server.js --stdio` answers
// initialize and shuts down cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InitializeResult } from 'vscode-languageserver-protocol';
import { initializeParams, startBundledServer } from './lsp-client';

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
      textDocument: { uri, languageId: 'yaml', version: 1, text: 'name: p\nvms:\n  - name: a\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: nope\n' },
    });
    const published = await client.diagnostics((publication) => publication.uri === uri, 'from the bundled server');
    assert.deepEqual(published.diagnostics.map((diagnostic) => diagnostic.code), ['vlm-unknown-image']);

    await client.connection.sendRequest('shutdown');
    await client.connection.sendNotification('exit');
    const [code, signal] = await server.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, `server stderr:\n${server.stderr()}`);
  } finally {
    server.dispose();
  }
});
