// Helpers of the language server tests: documents and the ranges of text inside them.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Range, TextEdit } from 'vscode-languageserver-types';

export { elementAt } from '../src/element-at';

/** Pieces of YAML syntax and awkward characters that random edits insert into a lab. */
export const yamlFragments: readonly string[] = [
  '[',
  ']',
  '{',
  '}',
  ':',
  '- ',
  '\n',
  '  ',
  '&a ',
  '*a',
  '|',
  '>-',
  '"',
  "'",
  '#',
  '\t',
  '\r\n',
  'name: x',
  '---\n',
  '?',
  ',',
  '!!str ',
  '|2',
  '~: ',
  '\u00a0',
  '😀',
  '...\n',
  '%YAML 1.1\n',
];

let documentCounter = 0;

/** A new lab document; each gets its own URI so no cached parse is shared. */
export function labDocument(text: string, uri = `file:///test/lab-${++documentCounter}.lab.yaml`): TextDocument {
  return TextDocument.create(uri, 'yaml', 1, text);
}

/** Range of the `occurrence`-th (1-based) appearance of `needle` in the document. */
export function rangeOf(document: TextDocument, needle: string, occurrence = 1): Range {
  const text = document.getText();
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`'${needle}' occurs fewer than ${occurrence} times`);
  }
  return { start: document.positionAt(index), end: document.positionAt(index + needle.length) };
}

export function withCode(diagnostics: Diagnostic[], code: string): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.code === code);
}

export function applyEdits(document: TextDocument, edits: TextEdit[]): TextDocument {
  return TextDocument.create(
    document.uri.replace(/\.lab\.yaml$/, `-fixed-${++documentCounter}.lab.yaml`),
    'yaml',
    1,
    TextDocument.applyEdits(document, edits),
  );
}

/** A small valid lab to start tests from. */
export const validLab = `name: test-lab
networks:
  - name: lan
    cidr: 10.10.1.0/24
  - name: dmz
    cidr: 10.10.2.0/24
vms:
  - name: db
    vcpu: 2
    ram_mb: 2048
    disk_gb: 20
    os_image: debian-12
    networks:
      - name: lan
        ip: 10.10.1.10
    ssh_port: 22001
  - name: web
    vcpu: 1
    ram_mb: 1024
    disk_gb: 10
    os_image: ubuntu-24.04
    networks: [lan, dmz]
    depends_on: [db]
    ssh_port: 22002
    vnc_port: 5901
`;
