// The command table grows by groups (`vlm lab up`, `vlm vm list`): dispatch, help and errors for
// them, checked in-process with a table of stand-in commands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Command, CommandOutput, ParsedArguments } from '../src/command-table';
import { helpOption } from '../src/command-table';
import { validateCommand } from '../src/commands/validate';
import { runCli } from '../src/run-cli';

interface Captured {
  output: CommandOutput;
  stdout: () => string;
  stderr: () => string;
}

function capture(): Captured {
  let stdout = '';
  let stderr = '';
  return {
    output: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

const calls: Array<{ words: string; parsed: ParsedArguments }> = [];

function standIn(words: string[], summary: string): Command {
  return {
    words,
    summary,
    operandsUsage: 'LAB',
    details: [],
    options: [{ name: 'host', valueName: 'NAME', description: 'Host to talk to.' }, helpOption],
    async loadHandler() {
      return async (parsed) => {
        calls.push({ words: words.join(' '), parsed });
        return 0;
      };
    },
  };
}

// The real lab commands are left out: the stand-ins record how they were called.
const table = [validateCommand, standIn(['lab', 'up'], 'Start a lab.'), standIn(['lab', 'down'], 'Stop a lab.')];

describe('command table with groups', () => {
  it('runs a group command with its own options', async () => {
    const captured = capture();
    const status = await runCli(['lab', 'up', '--host', 'lab-server', 'web-lab'], captured.output, table);
    assert.equal(status, 0, captured.stderr());
    const call = calls.at(-1);
    assert.ok(call, 'the command ran');
    assert.equal(call.words, 'lab up');
    assert.equal(call.parsed.options.get('host'), 'lab-server');
    assert.deepEqual(call.parsed.operands, ['web-lab']);
  });

  it('lists a group in the tool help once, and its commands in the group help', async () => {
    const tool = capture();
    assert.equal(await runCli(['--help'], tool.output, table), 0);
    assert.match(tool.stdout(), /^ {2}lab up +Start a lab\.$/m);
    const group = capture();
    assert.equal(await runCli(['lab', '--help'], group.output, table), 0);
    assert.match(group.stdout(), /^Usage: vlm lab <command>/);
    assert.match(group.stdout(), /^ {2}down +Stop a lab\.$/m);
    const viaHelp = capture();
    assert.equal(await runCli(['help', 'lab'], viaHelp.output, table), 0);
    assert.equal(viaHelp.stdout(), group.stdout());
  });

  it('exits 2 for a group without a command, or with an unknown one, naming the commands', async () => {
    const missing = capture();
    assert.equal(await runCli(['lab'], missing.output, table), 2);
    assert.equal(missing.stderr(), "vlm: 'vlm lab' needs a command. Commands: up, down.\nRun 'vlm lab --help' for usage.\n");
    const unknown = capture();
    assert.equal(await runCli(['lab', 'explode'], unknown.output, table), 2);
    assert.match(unknown.stderr(), /^vlm: 'vlm lab' has no command 'explode'\. Commands: up, down\./);
    const top = capture();
    assert.equal(await runCli(['vm', 'list'], top.output, table), 2);
    assert.match(top.stderr(), /^vlm: unknown command 'vm'\. Commands: validate, lab\./);
  });
});
