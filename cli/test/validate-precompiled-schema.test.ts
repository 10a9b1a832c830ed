// The vlm bundle checks labs with lab-schema validators generated at build time; the language
// server compiles the same ones at run time. Labs that reach every kind of schema problem, oneOf
// branches included, must get the very same diagnostics from both.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService } from '@vlm/language-server';
import { ensureBuilt, runVlm } from './run-vlm';

before(() => ensureBuilt());

const vm = (lines: string[]): string[] => [
  '  - name: web',
  '    vcpu: 1',
  '    ram_mb: 512',
  '    disk_gb: 10',
  '    os_image: debian-12',
  ...lines,
];

/** Each lab: schema problems of one family; networks entries reach the oneOf's two branches. */
const labs: Record<string, string[]> = {
  'network-entries': [
    'name: branches',
    'networks:',
    '  - name: lan',
    '    cidr: 10.1.0.0/24',
    'vms:',
    ...vm([
      '    networks:',
      '      - lan',
      '      - { name: lan, ip: 10.1.0.5, mac: x }',
      '      - { ip: 10.1.0.6 }',
      '      - 42',
      '      - [lan]',
    ]),
  ],
  'types-and-ranges': [
    'name: Bad_Name',
    'vms:',
    '  - name: web',
    '    vcpu: -3',
    '    ram_mb: lots',
    '    disk_gb: 100000000',
    '    os_image: [debian-12]',
    '    ssh_port: 70000',
    '    extra: true',
    '  - name: web',
    '    vcpu: 1',
  ],
  'top-level': ['name: top', 'vms: {}', 'networks: 3', 'unknown_key: 1', 'idle_shutdown_minutes: -1'],
  'empty-objects': ['name: empty', 'vms:', '  - {}', '  - null', '  - name: ""'],
};

test('the bundled vlm and the language service give the same diagnostics for schema problems of every kind', async (context) => {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-precompiled-schema-'));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const service = createLabLanguageService();
  for (const [name, lines] of Object.entries(labs)) {
    const path = join(folder, `${name}.lab.yaml`);
    const text = `${lines.join('\n')}\n`;
    writeFileSync(path, text);
    const diagnostics = await service.validate(TextDocument.create(pathToFileURL(path).href, 'yaml', 1, text));
    const expected = diagnostics
      .map((diagnostic) => ({
        line: diagnostic.range.start.line + 1,
        column: diagnostic.range.start.character + 1,
        endLine: diagnostic.range.end.line + 1,
        endColumn: diagnostic.range.end.character + 1,
        message: diagnostic.message,
        code: diagnostic.code,
      }))
      .sort((left, right) => left.line - right.line || left.column - right.column || left.message.localeCompare(right.message));
    assert.ok(expected.filter((entry) => String(entry.code).startsWith('vlm-')).length >= 3, `${name}: schema problems expected`);
    const result = runVlm(['validate', '--format', 'json', path]);
    const report = JSON.parse(result.stdout) as { files: Array<{ diagnostics: Array<Record<string, unknown>> }> };
    const actual = (report.files[0]?.diagnostics ?? [])
      .map(({ line, column, endLine, endColumn, message, code }) => ({ line, column, endLine, endColumn, message, code }))
      .sort(
        (left, right) =>
          Number(left.line) - Number(right.line) ||
          Number(left.column) - Number(right.column) ||
          String(left.message).localeCompare(String(right.message)),
      );
    assert.deepEqual(actual, expected, name);
  }
});
