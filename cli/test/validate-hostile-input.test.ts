// `vlm validate` given input that could break it: unreadable files, names that are JavaScript
// object keys, hostile file names, oversized labs and a pipe that closes early.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyVlmInto, launcher, runVlm } from './run-vlm';
import { lineAt, prepareValidateFolder, problemsLab, validLab } from './validate-labs';

let folder: string;
let expectedProblemLines: (path: string) => string[];

before(async () => {
  ({ folder, expectedProblemLines } = await prepareValidateFolder());
});

after(() => {
  rmSync(folder, { recursive: true, force: true });
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
    assert.match(lineAt(problems(2), 0), /__proto__/);
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
    assert.ok(lineAt(result.lines, 0).startsWith('line\\u000abreak\\u001b[31m.lab.yaml:11:21: error: '), result.lines[0]);
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
      assert.match(lineAt(result.lines, 0), /^huge\.lab\.yaml:1:1: error: .* \[vlm-document-too-large\]$/);
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
