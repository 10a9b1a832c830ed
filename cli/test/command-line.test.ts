import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, repositoryRoot, runVlm } from './run-vlm';

before(() => ensureBuilt());

describe('vlm command line', () => {
  it('prints the version from its package', () => {
    const version = JSON.parse(readFileSync(join(repositoryRoot, 'cli', 'package.json'), 'utf8')).version;
    const result = runVlm(['--version']);
    assert.equal(result.stdout, `vlm ${version}\n`);
    assert.equal(result.status, 0);
  });

  it("lists its commands with --help, and shows a command's options with COMMAND --help", () => {
    const tool = runVlm(['--help']);
    assert.equal(tool.status, 0);
    assert.match(tool.stdout, /^Usage: vlm <command>/);
    assert.match(tool.stdout, /^ {2}validate +Check lab files/m);
    const command = runVlm(['validate', '--help']);
    assert.equal(command.status, 0);
    assert.match(command.stdout, /^Usage: vlm validate \[options\] FILE\.\.\./);
    assert.match(command.stdout, /--format FORMAT/);
    assert.equal(runVlm(['help', 'validate']).stdout, command.stdout);
    assert.equal(runVlm(['validate', '-h']).stdout, command.stdout);
  });

  it('exits 2 with the usage when given no command', () => {
    const result = runVlm([]);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^vlm: no command given\.\n\nUsage: vlm <command>/);
  });

  it('exits 2 for an unknown command and lists the known ones', () => {
    const result = runVlm(['valdate', 'x.lab.yaml']);
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      "vlm: unknown command 'valdate'. Commands: validate, lab, vm, console, cloud.\nRun 'vlm --help' for usage.\n",
    );
  });

  it('exits 2 when validate gets no files', () => {
    const result = runVlm(['validate']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^vlm: no files to validate\. Usage: vlm validate FILE\.\.\./);
  });

  it('exits 2 for an unknown option and names the allowed ones', () => {
    const result = runVlm(['validate', '--strict', 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^vlm: unknown option '--strict' for 'vlm validate'\. Options: --format, /);
    assert.match(result.stderr, /Run 'vlm validate --help' for usage\.\n$/);
  });

  it('exits 2 for a bad option value and says what is allowed', () => {
    const format = runVlm(['validate', '--format', 'xml', 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(format.status, 2);
    assert.match(format.stderr, /^vlm: option --format does not accept 'xml'; allowed: text, json\./);
    const missing = runVlm(['validate', '--format']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^vlm: option --format needs a value: one of text, json\./);
    const cpus = runVlm(['validate', '--host-cpus', 'many', '--host-memory-mb', '1024', 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(cpus.status, 2);
    assert.match(cpus.stderr, /^vlm: option --host-cpus needs a whole number from 1 to 999999999; got 'many'\./);
    const half = runVlm(['validate', '--host-cpus', '4', 'schemas/examples/tiny-pair.lab.yaml']);
    assert.equal(half.status, 2);
    assert.match(half.stderr, /needs both --host-cpus and --host-memory-mb/);
  });

  it('accepts no options before the command other than --help and --version', () => {
    const result = runVlm(['--format', 'json', 'validate']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^vlm: unknown option '--format'\. Before a command only --help and --version are accepted\./);
  });
});
