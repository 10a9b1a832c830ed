// Reading a secret: typed on a terminal in raw mode (nothing echoed, backspace works, Ctrl-C
// cancels, the terminal is put back), or piped with one final line end dropped.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { CloudCommandFailure } from '../src/cloud-failures';
import { readSecretValue } from '../src/secret-input';

/** A stream that says it is a terminal and records its raw-mode switches. */
function fakeTerminal(): { input: NodeJS.ReadStream; rawModes: boolean[]; type(keys: string): void } {
  const stream = new PassThrough();
  const rawModes: boolean[] = [];
  Object.assign(stream, {
    isTTY: true,
    setRawMode(mode: boolean) {
      rawModes.push(mode);
      return stream;
    },
  });
  return { input: stream as unknown as NodeJS.ReadStream, rawModes, type: (keys) => stream.write(keys) };
}

function piped(text: string): NodeJS.ReadStream {
  const stream = new PassThrough();
  stream.end(text);
  return stream as unknown as NodeJS.ReadStream;
}

describe('reading a secret value', () => {
  it('reads typed keys without echoing them, with backspace, until Enter', async () => {
    const terminal = fakeTerminal();
    const written: string[] = [];
    const value = readSecretValue('token', (text) => written.push(text), terminal.input);
    terminal.type('s3cx');
    terminal.type('\u007fret\r');
    assert.equal(await value, 's3cret');
    assert.deepEqual(written, ['Value of token (not shown): ', '\n']);
    assert.deepEqual(terminal.rawModes, [true, false]);
  });

  it('cancels on Ctrl-C, putting the terminal back', async () => {
    const terminal = fakeTerminal();
    const value = readSecretValue('token', () => undefined, terminal.input);
    terminal.type('abc\u0003');
    await assert.rejects(value, (error: unknown) => error instanceof CloudCommandFailure && error.exitCode === 130);
    assert.deepEqual(terminal.rawModes, [true, false]);
  });

  it('cancels when the command is aborted (a Ctrl-C that arrived as a signal)', async () => {
    const terminal = fakeTerminal();
    const controller = new AbortController();
    const value = readSecretValue('token', () => undefined, terminal.input, controller.signal);
    terminal.type('ab');
    controller.abort();
    await assert.rejects(value, (error: unknown) => error instanceof CloudCommandFailure && error.exitCode === 130);
    assert.deepEqual(terminal.rawModes, [true, false]);
  });

  it('takes piped input without its final line end', async () => {
    assert.equal(await readSecretValue('token', () => undefined, piped('value\n')), 'value');
    assert.equal(await readSecretValue('token', () => undefined, piped('value\r\n')), 'value');
    assert.equal(await readSecretValue('token', () => undefined, piped('two\nlines\n')), 'two\nlines');
  });

  it('refuses an empty or oversized value', async () => {
    await assert.rejects(
      readSecretValue('token', () => undefined, piped('\n')),
      /no value was given for token on standard input/,
    );
    await assert.rejects(
      readSecretValue('token', () => undefined, piped('x'.repeat(70_000))),
      /longer than 65536 bytes/,
    );
  });
});
