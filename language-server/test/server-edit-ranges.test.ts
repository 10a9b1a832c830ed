// Incremental sync delivers each edit's range to the service: the server merges the edits made
// since the last validation into one change, and the service splices that VM's block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, type LabLanguageService, type TextChange } from '../src/language-service';
import { describesChange } from '../src/vm-block-reparse';
import { generateLab } from '../bench/generate-lab';
import { inMemoryServer, initializeParams } from './lsp-client';

test('edits sent as ranges reach the service as one change, and diagnostics match a full validation', async () => {
  const parses: string[] = [];
  const changes: Array<TextChange | undefined> = [];
  const real = createLabLanguageService({ onValidationParse: (_uri, parse) => parses.push(parse) });
  const service: LabLanguageService = {
    ...real,
    validate: (document, change) => {
      changes.push(change);
      return real.validate(document, change);
    },
  };
  const client = inMemoryServer(50, service);
  try {
    await client.connection.sendRequest('initialize', initializeParams);
    await client.connection.sendNotification('initialized', {});
    const uri = 'file:///server/edit-ranges.lab.yaml';
    const text = generateLab(20);
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    await client.diagnostics((publication) => publication.uri === uri && publication.version === 1, 'for version 1');
    const lines = text.split('\n');
    const portLine = lines.indexOf('    ssh_port: 22007');
    const vcpuLine = lines.indexOf('    vcpu: 4', portLine - 8);
    // Version 2 holds two changes (a port that collides with vm-0006's, then a bad vcpu); version 3 a third.
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: portLine, character: 14 }, end: { line: portLine, character: 19 } }, text: '22005' },
        { range: { start: { line: vcpuLine, character: 10 }, end: { line: vcpuLine, character: 11 } }, text: '0' },
      ],
    });
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: portLine, character: 4 }, end: { line: portLine, character: 4 } }, text: '# ' }],
    });
    const published = await client.diagnostics((publication) => publication.uri === uri && publication.version === 3, 'for version 3');
    const edited = lines
      .map((line, index) => (index === vcpuLine ? '    vcpu: 0' : index === portLine ? '    # ssh_port: 22005' : line))
      .join('\n');
    const full = await createLabLanguageService().validate(TextDocument.create('file:///server/full.lab.yaml', 'yaml', 1, edited));
    assert.deepEqual(published.diagnostics, full);
    assert.ok(full.some((diagnostic) => diagnostic.message.includes('vcpu')));
    const change = changes.at(-1);
    assert.ok(change, 'the service was given the change');
    assert.ok(describesChange(text, edited, change), `the change ${JSON.stringify(change)} describes the edit`);
    assert.deepEqual(parses, ['full', 'vm-block']);
  } finally {
    client.dispose();
  }
});
