import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLabLanguageService, type HostFacts } from '@vlm/language-server';
import { copyVlmInto, ensureBuilt, launcher, repositoryRoot, runVlm } from './run-vlm';

const examplesFolder = join(repositoryRoot, 'schemas', 'examples');

/** Five problems of different kinds, each on a line of its own. */
const problemsLab = [
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
async function serviceMessages(text: string, hostFacts?: HostFacts): Promise<Map<string, string>> {
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

let problemMessages: Map<string, string>;

function expectedProblemLines(path: string): string[] {
  return expectedProblems.map(({ line, column, code }) => {
    const message = problemMessages.get(code);
    assert.ok(message, `the language service no longer reports ${code} on the test lab`);
    return `${path}:${line}:${column}: error: ${message} [${code}]`;
  });
}

const validLab = [
  'name: fine',
  'vms:',
  '  - name: one',
  '    vcpu: 2',
  '    ram_mb: 1024',
  '    disk_gb: 5',
  '    os_image: debian-12',
  '',
].join('\n');

let folder: string;

before(async () => {
  ensureBuilt();
  problemMessages = await serviceMessages(problemsLab.join('\n'));
  folder = mkdtempSync(join(tmpdir(), 'vlm-cli-test-'));
  chmodSync(folder, 0o755);
  writeFileSync(join(folder, 'problems.lab.yaml'), problemsLab.join('\n'));
  writeFileSync(join(folder, 'valid.lab.yaml'), validLab);
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
    assert.match(result.lines[0]!, /^binary\.lab\.yaml:1:\d+: error: .* \[vlm-not-text\]$/);
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
      "schema.lab.yaml:8:5: error: Unknown field 'colour' in vms[0]; allowed fields: 'name', 'description', 'vcpu', 'ram_mb', 'disk_gb', 'os_image', 'networks', 'ssh_port', 'vnc_port', 'depends_on', 'tags', 'autostart', 'firmware', 'ssh_authorized_keys', 'cloud_init', 'ansible_config_yaml'. [vlm-unknown-field]",
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
        result.lines[0]!,
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
      "cycle.lab.yaml:6:12: error: The alias '*web' is inside the node its anchor '&web' names, so the document would be infinitely deep. Refer to the anchor only from outside that node. The document was not validated. [vlm-alias-cycle]",
    ]);
  });
});

describe('vlm validate with files it cannot read', () => {
  it('exits 2 and names a missing file', () => {
    const result = runVlm(['validate', 'no-such.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, "vlm: cannot read 'no-such.lab.yaml': no such file.\n1 file, 0 errors, 0 warnings, 1 unreadable\n");
  });

  it('exits 2 for a directory', () => {
    const result = runVlm(['validate', 'schemas/examples']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^vlm: cannot read 'schemas\/examples': it is a directory, not a file\.$/m);
  });

  it('exits 2 for a file it has no permission to read', () => {
    const locked = join(folder, 'locked.lab.yaml');
    writeFileSync(locked, validLab);
    chmodSync(locked, 0o000);
    // root reads any file, so the check runs as nobody when the tests run as root; nobody runs a
    // copy of vlm in this test's folder, as it may not reach the checkout (a clone under /root).
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, cwd: folder, launcher: copyVlmInto(join(folder, 'vlm')) } : {};
    const result = runVlm(['validate', locked], asNobody);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^vlm: cannot read '${locked}': permission denied\\.$`, 'm'));
  });

  it('still checks the readable files, then exits 2', () => {
    const result = runVlm(['validate', 'missing.lab.yaml', 'problems.lab.yaml'], { cwd: folder });
    assert.equal(result.status, 2);
    assert.deepEqual(result.lines, expectedProblemLines('problems.lab.yaml'));
    assert.match(result.stderr, /cannot read 'missing\.lab\.yaml': no such file/);
    assert.match(result.stderr, /2 files, 5 errors, 0 warnings, 1 unreadable\n$/);
  });
});

describe('vlm validate with names that are JavaScript object keys', () => {
  const vm = (name: string, more = '') =>
    `  - { name: ${name}, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [prototype]${more} }`;

  it('passes a lab, VMs and a network named constructor, prototype, valueof, tostring, hasownproperty', () => {
    const path = join(folder, 'object-keys.lab.yaml');
    const vms = [
      vm('constructor'),
      vm('prototype'),
      vm('valueof', ', depends_on: [constructor, prototype]'),
      vm('tostring'),
      vm('hasownproperty', ', depends_on: [valueof]'),
    ];
    writeFileSync(path, ['name: constructor', 'networks:', '  - { name: prototype, cidr: 10.97.0.0/24 }', 'vms:', ...vms, ''].join('\n'));
    const result = runVlm(['validate', path]);
    assert.deepEqual(result.lines, []);
    assert.equal(result.stderr, '1 file, 0 errors, 0 warnings\n');
    assert.equal(result.status, 0);
  });

  it('reports undeclared references named constructor or __proto__ as undeclared, and __proto__ as a key as not allowed', () => {
    const path = join(folder, 'object-key-references.lab.yaml');
    const text = [
      'name: refs',
      '__proto__: { name: other }',
      'networks:',
      '  - { name: prototype, cidr: 10.97.0.0/24 }',
      'vms:',
      vm('one', ', depends_on: [constructor]').replace('[prototype]', '[constructor, __proto__]'),
      '',
    ];
    writeFileSync(path, text.join('\n'));
    const result = runVlm(['validate', path]);
    assert.equal(result.status, 1, result.stderr);
    const problems = (line: number) => result.lines.filter((entry) => entry.startsWith(`${path}:${line}:`));
    assert.equal(problems(2).length, 1, result.stdout);
    assert.match(problems(2)[0]!, /__proto__/);
    assert.ok(
      result.lines.some((entry) =>
        /Network 'constructor' is not declared in the lab's networks\. Declared networks: prototype\. \[vlm-undefined-network\]$/.test(
          entry,
        ),
      ),
      result.stdout,
    );
    assert.ok(
      result.lines.some((entry) => /Network '__proto__' is not declared/.test(entry)),
      result.stdout,
    );
    assert.ok(
      result.lines.some((entry) => /depends_on names 'constructor', which is not a VM of this lab\. \[vlm-undefined-vm\]$/.test(entry)),
      result.stdout,
    );
  });
});

describe('vlm validate with hostile file names', () => {
  const names = [
    'my lab.lab.yaml',
    `it's "quoted".lab.yaml`,
    '-starts-with-dash.lab.yaml',
    '$(touch pwned).lab.yaml',
    'ünïcode ☃.lab.yaml',
  ];

  it('prints each path as given, spaces, quotes and all', () => {
    mkdirSync(join(folder, 'hostile'), { recursive: true });
    for (const name of names) writeFileSync(join(folder, 'hostile', name), problemsLab.join('\n'));
    const result = runVlm(['validate', '--', ...names], { cwd: join(folder, 'hostile') });
    assert.equal(result.status, 1, result.stderr);
    const expected = [...names].sort().flatMap((name) => expectedProblemLines(name));
    assert.deepEqual(result.lines, expected);
    assert.equal(existsSync(join(folder, 'hostile', 'pwned')), false, 'a file name must never reach a shell');
  });

  it('treats a leading dash as an option unless it comes after --', () => {
    const result = runVlm(['validate', '-starts-with-dash.lab.yaml'], { cwd: join(folder, 'hostile') });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown option '-starts-with-dash\.lab\.yaml'.*put '--' before it/);
  });

  it('escapes control characters in a file name so it cannot forge output lines', () => {
    const name = 'line\nbreak\u001b[31m.lab.yaml';
    writeFileSync(join(folder, 'hostile', name), problemsLab.join('\n'));
    const result = runVlm(['validate', name], { cwd: join(folder, 'hostile') });
    assert.equal(result.lines.length, 5, result.stdout);
    assert.ok(result.lines[0]!.startsWith('line\\u000abreak\\u001b[31m.lab.yaml:11:21: error: '), result.lines[0]);
  });
});

describe('vlm validate with oversized input', () => {
  it('reports a lab file over the size limit as an error instead of parsing it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'vlm-cli-large-'));
    try {
      // 5 MiB of comments: over the language service's 4 MiB limit, far under the CLI's read cap.
      const line = `# ${'x'.repeat(1022)}\n`;
      writeFileSync(join(folder, 'huge.lab.yaml'), `${validLab}${line.repeat(5 * 1024)}`);
      const result = runVlm(['validate', 'huge.lab.yaml'], { cwd: folder });
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.lines.length, 1, result.stdout);
      assert.match(result.lines[0]!, /^huge\.lab\.yaml:1:1: error: .* \[vlm-document-too-large\]$/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('vlm validate piped into a reader that stops early', () => {
  it('keeps its exit code and prints no stack trace when the pipe closes', () => {
    const folder = mkdtempSync(join(tmpdir(), 'vlm-cli-pipe-'));
    try {
      for (let index = 0; index < 300; index += 1) writeFileSync(join(folder, `lab-${index}.lab.yaml`), problemsLab.join('\n'));
      // The shell pipeline a user writes; pipefail makes the status vlm's own, not head's.
      const pipeline = `set -o pipefail; "${process.execPath}" "${launcher}" validate lab-*.lab.yaml | head -n 1 >/dev/null`;
      const result = spawnSync('bash', ['-c', pipeline], { cwd: folder, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /EPIPE|internal error/);
      assert.equal(result.stderr, '300 files, 1500 errors, 0 warnings\n');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('vlm validate --catalog', () => {
  const windowsLab = [
    'name: win',
    'vms:',
    '  - name: a',
    '    vcpu: 2',
    '    ram_mb: 4096',
    '    disk_gb: 40',
    '    os_image: windows-2022',
    '',
  ].join('\n');
  const hostCatalog = {
    images: [
      {
        name: 'windows-2022',
        title: 'Windows Server 2022',
        os: 'windows',
        default_user: 'administrator',
        min_ram_mb: 2048,
        min_disk_gb: 32,
        cloud_init: false,
        source: { kind: 'build', script: 'images/windows.sh' },
      },
    ],
  };

  it("accepts an image of the host's catalog that the built-in catalog lacks", () => {
    writeFileSync(join(folder, 'windows.lab.yaml'), windowsLab);
    writeFileSync(join(folder, 'host-catalog.json'), JSON.stringify(hostCatalog));
    const without = runVlm(['validate', 'windows.lab.yaml'], { cwd: folder });
    assert.equal(without.status, 1);
    assert.match(without.lines.join('\n'), /^windows\.lab\.yaml:7:15: error: .*\[vlm-unknown-image\]$/);
    const withCatalog = runVlm(['validate', '--catalog', 'host-catalog.json', 'windows.lab.yaml'], { cwd: folder });
    assert.deepEqual(withCatalog.lines, []);
    assert.equal(withCatalog.status, 0, withCatalog.stderr);
    // The built-in images stay known.
    const builtIn = runVlm(['validate', '--catalog', join(folder, 'host-catalog.json'), 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(builtIn.status, 0, builtIn.stdout);
  });

  it('exits 2 and says what is wrong with a catalog that is missing, not JSON or not a catalog', () => {
    writeFileSync(join(folder, 'not-json.json'), '{images');
    writeFileSync(join(folder, 'not-catalog.json'), JSON.stringify({ images: [{ name: 'Bad Name' }] }));
    const cases: Array<[string, RegExp]> = [
      ['missing.json', /^vlm: cannot read the image catalog 'missing\.json': no such file\./],
      ['not-json.json', /^vlm: the image catalog 'not-json\.json' is not JSON: /],
      [
        'not-catalog.json',
        /^vlm: the image catalog 'not-catalog\.json' does not match the image catalog schema: \/images\/0 must have required property 'title'/,
      ],
    ];
    for (const [catalog, message] of cases) {
      const result = runVlm(['validate', '--catalog', catalog, 'valid.lab.yaml'], { cwd: folder });
      assert.equal(result.status, 2, `${catalog}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });
});
