// The labs the `vlm validate` tests share, written to a temporary folder, and the lines `vlm
// validate` must print for the lab with problems, in the language service's own words.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, type HostFacts } from '@vlm/language-server';
import { ensureBuilt } from './run-vlm';

/** Five problems of different kinds, each on a line of its own. */
export const problemsLab = [
  'name: broken-lab',
  'networks:',
  '  - name: lan',
  '    cidr: 10.1.0.0/24',
  'vms:',
  '  - name: web',
  '    vcpu: 1',
  '    ram_mb: 1024',
  '    disk_gb: 10',
  '    os_image: debian-12',
  '    networks: [lan, wan]',
  '    ssh_port: 22001',
  '  - name: web',
  '    vcpu: 1',
  '    ram_mb: 1024',
  '    disk_gb: 10',
  '    os_image: debain-12',
  '    ssh_port: 22001',
  '    depends_on: [db]',
  '',
];

/**
 * Where each problem is and what it is, fixed here by hand; the wording of each message is the
 * language service's own (it changes as that service improves), taken from it in this process.
 */
const expectedProblems = [
  { line: 11, column: 21, code: 'vlm-undefined-network' },
  { line: 13, column: 11, code: 'vlm-duplicate-name' },
  { line: 17, column: 15, code: 'vlm-unknown-image' },
  { line: 18, column: 15, code: 'vlm-port-collision' },
  { line: 19, column: 18, code: 'vlm-undefined-vm' },
];

/** The service's message for each code on a document: exactly one diagnostic per code expected. */
export async function serviceMessages(text: string, hostFacts?: HostFacts): Promise<Map<string, string>> {
  const service = createLabLanguageService();
  service.setHostFacts(hostFacts);
  const diagnostics = await service.validate(TextDocument.create('file:///messages.lab.yaml', 'yaml', 1, text));
  const messages = new Map<string, string>();
  for (const diagnostic of diagnostics) {
    const code = String(diagnostic.code);
    assert.ok(!messages.has(code), `the service reported ${code} twice on the test lab`);
    messages.set(code, diagnostic.message);
  }
  return messages;
}

export const validLab = [
  'name: fine',
  'vms:',
  '  - name: one',
  '    vcpu: 2',
  '    ram_mb: 1024',
  '    disk_gb: 5',
  '    os_image: debian-12',
  '',
].join('\n');

export interface ValidateFolder {
  /** A temporary folder holding problems.lab.yaml and valid.lab.yaml; the caller removes it. */
  folder: string;
  /** The language service's message for each code on problemsLab. */
  problemMessages: Map<string, string>;
  /** The lines `vlm validate` prints for problemsLab when given it as `path`. */
  expectedProblemLines: (path: string) => string[];
}

/** Builds `vlm` if needed and writes the shared labs to a new temporary folder. */
export async function prepareValidateFolder(): Promise<ValidateFolder> {
  ensureBuilt();
  const problemMessages = await serviceMessages(problemsLab.join('\n'));
  const folder = mkdtempSync(join(tmpdir(), 'vlm-cli-test-'));
  chmodSync(folder, 0o755);
  writeFileSync(join(folder, 'problems.lab.yaml'), problemsLab.join('\n'));
  writeFileSync(join(folder, 'valid.lab.yaml'), validLab);
  const expectedProblemLines = (path: string): string[] =>
    expectedProblems.map(({ line, column, code }) => {
      const message = problemMessages.get(code);
      assert.ok(message, `the language service no longer reports ${code} on the test lab`);
      return `${path}:${line}:${column}: error: ${message} [${code}]`;
    });
  return { folder, problemMessages, expectedProblemLines };
}

/** Line `index` of a command's output, or a failure that shows the whole output. */
export function lineAt(lines: readonly string[], index: number): string {
  const line = lines[index];
  assert.ok(line !== undefined, `expected at least ${index + 1} output lines, got ${lines.length}:\n${lines.join('\n')}`);
  return line;
}
