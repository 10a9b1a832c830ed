// `vlm validate` on labs that pass and labs with problems: exit codes, one line per problem in
// order, JSON output, and exactly the diagnostics of the language service it bundles.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService } from '@vlm/language-server';
import { repositoryRoot, runVlm } from './run-vlm';
import { lineAt, prepareValidateFolder, problemsLab, serviceMessages } from './validate-labs';

const examplesFolder = join(repositoryRoot, 'schemas', 'examples');

let folder: string;
let problemMessages: Map<string, string>;
let expectedProblemLines: (path: string) => string[];

before(async () => {
  ({ folder, problemMessages, expectedProblemLines } = await prepareValidateFolder());
});

after(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('vlm validate on good labs', () => {
  it('passes every example lab with exit 0 and no output lines', () => {
    const examples = readdirSync(examplesFolder)
      .filter((entry) => entry.endsWith('.yaml'))
      .sort();
    assert.ok(examples.length >= 4, `expected the example labs in ${examplesFolder}`);
    for (const example of examples) {
      const result = runVlm(['validate', join('schemas', 'examples', example)]);
      assert.deepEqual(result.lines, [], `${example} should have no problems`);
      assert.equal(result.status, 0, `${example}: ${result.stderr}`);
      assert.equal(result.stderr, '1 file, 0 errors, 0 warnings\n');
    }
    const all = runVlm(['validate', ...examples.map((example) => join('schemas', 'examples', example))]);
    assert.equal(all.status, 0);
    assert.equal(all.stderr, `${examples.length} files, 0 errors, 0 warnings\n`);
  });

  it('exits 0 when there are only warnings, and prints them', async () => {
    // 5 vCPUs on a 2-CPU host is a warning (they share cores); the memory fits.
    const path = 'schemas/examples/three-tier-web.lab.yaml';
    const result = runVlm(['validate', '--host-cpus', '2', '--host-memory-mb', '65536', path]);
    const text = readFileSync(join(repositoryRoot, path), 'utf8');
    const message = (await serviceMessages(text, { name: 'local', cpus: 2, memory_mb: 65536 })).get('vlm-over-capacity');
    assert.match(message ?? '', /5 vCPUs/, 'the three-tier example has 5 vCPUs in all');
    // Line 10 holds the `vms:` key the capacity warning points at.
    assert.deepEqual(result.lines, [`${path}:10:1: warning: ${message} [vlm-over-capacity]`]);
    assert.equal(result.status, 0);
    assert.equal(result.stderr, '1 file, 0 errors, 1 warning\n');
  });

  it('refuses a loopback network with vlm-reserved-cidr and exit 1', () => {
    const lab = [
      'name: t',
      'networks:',
      '  - name: lo',
      '    cidr: 127.0.0.0/8',
      'vms:',
      '  - name: a',
      '    vcpu: 1',
      '    ram_mb: 128',
      '    disk_gb: 1',
      '    os_image: vlm-tiny',
      '    networks: [lo]',
    ];
    const result = runVlm(['validate', '-'], { input: lab.join('\n') });
    assert.deepEqual(result.lines, [
      '-:4:11: error: Invalid cidr: 127.0.0.0/8 overlaps loopback (127.0.0.0/8), which no lab network can use; pick a private range such as 10.10.1.0/24. [vlm-reserved-cidr]',
    ]);
    assert.equal(result.status, 1);
  });

  it('reads a lab from standard input when given "-"', () => {
    const result = runVlm(['validate', '-'], { input: problemsLab.join('\n') });
    assert.deepEqual(result.lines, expectedProblemLines('-'));
    assert.equal(result.status, 1);
  });
});

describe('vlm validate on labs with problems', () => {
  it('prints one line per problem with 1-based positions, sorted, and exits 1', () => {
    const result = runVlm(['validate', 'problems.lab.yaml'], { cwd: folder });
    assert.deepEqual(result.lines, expectedProblemLines('problems.lab.yaml'));
    assert.equal(result.status, 1);
    assert.equal(result.stderr, '1 file, 5 errors, 0 warnings\n');
  });

  it('keeps the path exactly as the user gave it', () => {
    const absolute = join(folder, 'problems.lab.yaml');
    const result = runVlm(['validate', absolute]);
    assert.deepEqual(result.lines, expectedProblemLines(absolute));
    const dotted = runVlm(['validate', './problems.lab.yaml'], { cwd: folder });
    assert.deepEqual(dotted.lines, expectedProblemLines('./problems.lab.yaml'));
  });

  it('sorts by file, then position, whatever order the files were given in', () => {
    mkdirSync(join(folder, 'sorted'), { recursive: true });
    writeFileSync(join(folder, 'sorted', 'b.lab.yaml'), problemsLab.join('\n'));
    writeFileSync(join(folder, 'sorted', 'a.lab.yaml'), problemsLab.join('\n'));
    const result = runVlm(['validate', 'sorted/b.lab.yaml', 'sorted/a.lab.yaml'], { cwd: folder });
    assert.deepEqual(result.lines, [...expectedProblemLines('sorted/a.lab.yaml'), ...expectedProblemLines('sorted/b.lab.yaml')]);
    assert.equal(result.stderr, '2 files, 10 errors, 0 warnings\n');
  });

  it('reports the same lines and columns for a CRLF file', () => {
    writeFileSync(join(folder, 'crlf.lab.yaml'), problemsLab.join('\r\n'));
    const result = runVlm(['validate', 'crlf.lab.yaml'], { cwd: folder });
    assert.deepEqual(result.lines, expectedProblemLines('crlf.lab.yaml'));
    assert.equal(result.status, 1);
  });

  it('does not count a UTF-8 byte order mark as a column', () => {
    writeFileSync(join(folder, 'bom.lab.yaml'), `\uFEFF${problemsLab.join('\n')}`);
    const result = runVlm(['validate', 'bom.lab.yaml'], { cwd: folder });
    assert.deepEqual(result.lines, expectedProblemLines('bom.lab.yaml'));
  });

  it('gives machines one JSON document with --format json', () => {
    const result = runVlm(['validate', '--format', 'json', 'problems.lab.yaml', 'valid.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.summary, { files: 2, errors: 5, warnings: 0, infos: 0, hints: 0, unreadable: 0 });
    assert.deepEqual(
      report.files.map((file: { path: string }) => file.path),
      ['problems.lab.yaml', 'valid.lab.yaml'],
    );
    assert.deepEqual(report.files[0].diagnostics[0], {
      line: 11,
      column: 21,
      endLine: 11,
      endColumn: 24,
      severity: 'error',
      message: problemMessages.get('vlm-undefined-network'),
      code: 'vlm-undefined-network',
      source: 'vlm',
    });
    assert.deepEqual(report.files[1].diagnostics, []);
    // --format=json is the same option.
    const equals = runVlm(['validate', '--format=json', 'problems.lab.yaml', 'valid.lab.yaml'], { cwd: folder });
    assert.equal(equals.stdout, result.stdout);
  });

  it('refuses a binary file as not text, with exit 1', () => {
    writeFileSync(join(folder, 'binary.lab.yaml'), Buffer.from([0x6e, 0x61, 0x00, 0xff, 0xfe, 0x01, 0x02]));
    const result = runVlm(['validate', 'binary.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 1);
    assert.equal(result.lines.length, 1);
    assert.match(lineAt(result.lines, 0), /^binary\.lab\.yaml:1:\d+: error: .* \[vlm-not-text\]$/);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['name: bomb', 'x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 8; level += 1) {
      bomb.push(
        `x-${level}: &l${level} [${Array(10)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    }
    bomb.push('vms: *l8', '');
    writeFileSync(join(folder, 'bomb.lab.yaml'), bomb.join('\n'));
    const result = runVlm(['validate', 'bomb.lab.yaml'], { cwd: folder, timeout: 30_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.ok(
      result.lines.some((line) => line.endsWith('[vlm-alias-limit]')),
      `expected a vlm-alias-limit error, got:\n${result.stdout}`,
    );
  });
});

describe('vlm validate, bundled, against the language service in this process', () => {
  it('prints exactly the schema and semantic diagnostics the service gives', async () => {
    // Schema problems (a bad name pattern, a wrong type, an unknown property) and a semantic one.
    const text = [
      'name: Schema_Lab',
      'vms:',
      '  - name: a',
      '    vcpu: many',
      '    ram_mb: 128',
      '    disk_gb: 1',
      '    os_image: vlm-tiny',
      '    colour: blue',
      '    depends_on: [b]',
      '',
    ].join('\n');
    writeFileSync(join(folder, 'schema.lab.yaml'), text);
    const service = createLabLanguageService();
    const diagnostics = await service.validate(TextDocument.create('file:///schema.lab.yaml', 'yaml', 1, text));
    const words = ['error', 'error', 'warning', 'info', 'hint'];
    const expected = diagnostics
      .map((diagnostic) => ({
        line: diagnostic.range.start.line + 1,
        column: diagnostic.range.start.character + 1,
        text: `schema.lab.yaml:${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1}: ${words[diagnostic.severity ?? 1]}: ${diagnostic.message} [${diagnostic.code}]`,
      }))
      .sort((left, right) => left.line - right.line || left.column - right.column)
      .map((entry) => entry.text);
    assert.ok(expected.length >= 4, `expected schema and semantic problems, the service gave:\n${expected.join('\n')}`);
    assert.deepEqual(
      expected.map((line) => line.split(':').slice(1, 3).join(':')),
      ['1:7', '4:11', '8:5', '9:18'],
      'name, vcpu, colour and depends_on are where the problems are',
    );
    const result = runVlm(['validate', 'schema.lab.yaml'], { cwd: folder });
    assert.deepEqual(result.lines, expected);
    assert.equal(result.status, 1);
    // Each schema problem names the field, what it holds and what is allowed, with a vlm code.
    assert.deepEqual(result.lines.slice(0, 3), [
      'schema.lab.yaml:1:7: error: name is "Schema_Lab", which is not allowed. Lab names are DNS labels: lowercase letters, digits and inner \'-\', at most 63 characters. [vlm-invalid-value]',
      'schema.lab.yaml:4:11: error: vms[0].vcpu must be a whole number, but it is the text "many". [vlm-wrong-type]',
      "schema.lab.yaml:8:5: error: Unknown field 'colour' in vms[0]; allowed fields: 'name', 'description', 'vcpu', 'ram_mb', 'disk_gb', 'os_image', 'networks', 'ssh_port', 'vnc_port'," +
        " 'depends_on', 'tags', 'autostart', 'firmware', 'ssh_authorized_keys', 'cloud_init', 'ansible_config_yaml'. [vlm-unknown-field]",
    ]);
  });

  it('suggests the nearest allowed key for a misspelt one, and never shows a regex or a bare number as code', () => {
    writeFileSync(join(folder, 'typo.lab.yaml'), 'name: typo\nvm:\n  - name: Web_1\n');
    const result = runVlm(['validate', 'typo.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 1);
    assert.deepEqual(result.lines, [
      "typo.lab.yaml:1:1: error: The lab has no vms. Required here: 'name', 'vms'. [vlm-missing-field]",
      "typo.lab.yaml:2:1: error: Unknown field 'vm' in the lab; did you mean 'vms'? [vlm-unknown-field]",
    ]);
    for (const line of result.lines) assert.doesNotMatch(line, /\^|\[\d+\]$|pattern/);
  });

  it('reports a lab file with no content (empty, blank or only comments) as an error on line 1', () => {
    for (const [file, text] of [
      ['empty.lab.yaml', ''],
      ['blank.lab.yaml', '  \n\n'],
      ['comments.lab.yaml', '# a lab, some day\n# name: x\n'],
    ] as const) {
      writeFileSync(join(folder, file), text);
      const result = runVlm(['validate', file], { cwd: folder });
      assert.equal(result.status, 1, `${file}: ${result.stdout}${result.stderr}`);
      assert.equal(result.lines.length, 1, result.stdout);
      assert.match(
        lineAt(result.lines, 0),
        new RegExp(
          `^${file.replace('.', '\\.')}:1:1: error: The lab file is empty\\. A lab needs at least a 'name' and one VM under 'vms' .* \\[vlm-empty-lab\\]$`,
        ),
      );
    }
  });

  it('reports an alias inside its own anchor once, instead of running out of stack', () => {
    writeFileSync(join(folder, 'cycle.lab.yaml'), 'name: lab\nvms:\n  - &web\n    name: web\n    vcpu: 1\n    tags: [*web]\n');
    const result = runVlm(['validate', 'cycle.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 1);
    assert.deepEqual(result.lines, [
      "cycle.lab.yaml:6:12: error: The alias '*web' is inside the node its anchor '&web' names, so the document would be infinitely deep." +
        ' Refer to the anchor only from outside that node. The document was not validated. [vlm-alias-cycle]',
    ]);
  });
});
