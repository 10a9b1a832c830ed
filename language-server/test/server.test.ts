// The real LSP server (startLabServer) over in-memory streams, driven by a test client that
// speaks LSP: initialize, documents, diagnostics, completion, hover, code actions, settings and
// the custom host-facts request.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeAction, CompletionList, Diagnostic, Hover, InitializeResult } from 'vscode-languageserver-protocol';
import { diagnosticCodes } from '../src/index';
import { builtInImageCatalog } from '@vlm/schemas';
import { CatalogRequest, HostFactsRequest } from '../src/protocol';
import { inMemoryServer, initializeParams, type TestClient } from './lsp-client';
import { elementAt, validLab } from './lab-text';

const codes = (diagnostics: Diagnostic[]): string[] => diagnostics.map((diagnostic) => String(diagnostic.code));

// One server for every test of the file.
let client: TestClient;
let initializeResult: InitializeResult;

before(async () => {
  client = inMemoryServer(100);
  initializeResult = await client.connection.sendRequest('initialize', initializeParams);
  await client.connection.sendNotification('initialized', {});
});
after(() => client.dispose());

function open(uri: string, text: string): Promise<void> {
  return client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
}

describe('LSP server over in-memory streams: documents and features', () => {
  test('initialize announces incremental sync and the features', () => {
    const capabilities = initializeResult.capabilities;
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.ok(capabilities.completionProvider?.triggerCharacters?.includes(' '));
    assert.equal(capabilities.hoverProvider, true);
    assert.equal(capabilities.documentSymbolProvider, true);
    assert.deepEqual(capabilities.codeActionProvider, { codeActionKinds: ['quickfix'] });
    assert.equal(initializeResult.serverInfo?.name, 'vlm-language-server');
  });

  test('didOpen publishes diagnostics, pulling settings for the document', async () => {
    const uri = 'file:///server/open.lab.yaml';
    const before = client.configurationRequests;
    await open(uri, validLab.replace('os_image: debian-12', 'os_image: debain-12'));
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the opened document');
    assert.equal(published.version, 1);
    assert.deepEqual(codes(published.diagnostics), [diagnosticCodes.unknownImage]);
    assert.ok(client.configurationRequests > before, 'workspace/configuration was asked');
  });

  test('incremental didChange re-validates; bursts publish only the latest version', async () => {
    const uri = 'file:///server/change.lab.yaml';
    await open(uri, validLab);
    await client.diagnostics((publication) => publication.uri === uri && publication.version === 1, 'for version 1');
    const line = validLab.split('\n').findIndex((text) => text.includes('ssh_port: 22002'));
    // Versions 2-5 type a port one digit at a time; version 6 makes it collide with db's 22001.
    const steps = ['22003', '22004', '22005', '22006', '22001'];
    for (const [index, port] of steps.entries()) {
      await client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: index + 2 },
        contentChanges: [{ range: { start: { line, character: 14 }, end: { line, character: 19 } }, text: port }],
      });
    }
    const latest = await client.diagnostics((publication) => publication.uri === uri && publication.version === 6, 'for version 6');
    assert.deepEqual(codes(latest.diagnostics), [diagnosticCodes.portCollision]);
    assert.equal(elementAt(latest.diagnostics, 0).range.start.line, line);
    const stale = client.published.filter(
      (publication) => publication.uri === uri && publication.version !== undefined && publication.version > 1 && publication.version < 6,
    );
    assert.deepEqual(
      stale.map((publication) => publication.version),
      [],
      'intermediate versions were debounced or dropped',
    );
  });

  test('completion, hover and a quick fix over LSP', async () => {
    const uri = 'file:///server/features.lab.yaml';
    const text = validLab.replace('depends_on: [db]', 'depends_on: [').replace('os_image: ubuntu-24.04', 'os_image: ubunty');
    await open(uri, text);
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the features document');
    const lines = text.split('\n');
    const dependsLine = lines.findIndex((line) => line.includes('depends_on: ['));
    const completion: CompletionList = await client.connection.sendRequest('textDocument/completion', {
      textDocument: { uri },
      position: { line: dependsLine, character: elementAt(lines, dependsLine).length },
    });
    assert.deepEqual(
      completion.items.map((item) => item.label),
      ['db'],
    );

    const vcpuLine = lines.findIndex((line) => line.includes('vcpu:'));
    const hover: Hover = await client.connection.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: vcpuLine, character: 6 },
    });
    assert.match((hover.contents as { value: string }).value, /Number of virtual CPUs/);

    const image = published.diagnostics.find((diagnostic) => diagnostic.code === diagnosticCodes.unknownImage);
    assert.ok(image, JSON.stringify(published.diagnostics));
    const actions: CodeAction[] = await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: image.range,
      context: { diagnostics: [image] },
    });
    assert.equal(elementAt(actions, 0).title, "Use image 'ubuntu-24.04'");
    assert.equal(elementAt(actions, 0).isPreferred, true);
    assert.deepEqual(elementAt(actions, 0).edit?.changes?.[uri], [{ range: image.range, newText: 'ubuntu-24.04' }]);
  });
});

describe('LSP server over in-memory streams: host facts, catalog, settings and closing', () => {
  test('the host facts request turns the capacity check on and off for open documents', async () => {
    const uri = 'file:///server/capacity.lab.yaml';
    await open(uri, validLab);
    await client.diagnostics((publication) => publication.uri === uri, 'before facts');
    const countBefore = client.published.length;
    await client.connection.sendRequest(HostFactsRequest.type, { name: 'local', cpus: 2, memory_mb: 1024 });
    const over = await client.diagnostics((publication) => publication.uri === uri, 'with the capacity check', countBefore);
    assert.deepEqual(codes(over.diagnostics), [diagnosticCodes.overCapacity, diagnosticCodes.overCapacity]);
    assert.match(elementAt(over.diagnostics, 0).message, /3072 MiB of RAM in total, more than the 1024 MiB host 'local' has/);
    const countOn = client.published.length;
    await client.connection.sendRequest(HostFactsRequest.method, null);
    const cleared = await client.diagnostics((publication) => publication.uri === uri, 'after facts were cleared', countOn);
    assert.deepEqual(cleared.diagnostics, []);
  });

  test('the catalog request changes which images are known', async () => {
    const uri = 'file:///server/catalog.lab.yaml';
    await open(uri, validLab.replace('os_image: debian-12', 'os_image: house-image'));
    const unknown = await client.diagnostics((publication) => publication.uri === uri, 'with the built-in catalog');
    assert.deepEqual(codes(unknown.diagnostics), [diagnosticCodes.unknownImage]);
    const count = client.published.length;
    const houseImage = { ...elementAt(builtInImageCatalog.images, 0), name: 'house-image' };
    await client.connection.sendRequest(CatalogRequest.type, { images: [...builtInImageCatalog.images, houseImage] });
    const known = await client.diagnostics((publication) => publication.uri === uri, 'with the extended catalog', count);
    assert.deepEqual(known.diagnostics, []);
  });

  test('vlm.validation.enable=false, read per document, publishes no diagnostics', async () => {
    const uri = 'file:///server/disabled.lab.yaml';
    client.settings.set(uri, { validation: { enable: false } });
    await open(uri, validLab.replace('os_image: debian-12', 'os_image: nope'));
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the disabled document');
    assert.deepEqual(published.diagnostics, []);
  });

  test('hostile input over LSP gives a coded diagnostic and the server keeps answering', async () => {
    const uri = 'file:///server/hostile.lab.yaml';
    await open(uri, `vms: ${'['.repeat(100_000)}`);
    const published = await client.diagnostics((publication) => publication.uri === uri, 'for the hostile document');
    assert.deepEqual(codes(published.diagnostics), [diagnosticCodes.nestingTooDeep]);
    const symbols = await client.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols, []);
  });

  test('didClose clears the document diagnostics', async () => {
    const uri = 'file:///server/open.lab.yaml';
    const count = client.published.length;
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const cleared = await client.diagnostics((publication) => publication.uri === uri, 'after close', count);
    assert.deepEqual(cleared.diagnostics, []);
  });
});
