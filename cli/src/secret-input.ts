// A secret's value from standard input, never from the command line (where `ps` and shell
// history would show it): typed without echo on a terminal, or piped in.
import { exitCodes } from './exit-codes';
import { CloudCommandFailure } from './cloud-failures';

const maximumBytes = 64 * 1024;

async function readPiped(input: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += bytes.length;
    if (length > maximumBytes)
      throw new CloudCommandFailure(`the secret on standard input is longer than ${maximumBytes} bytes.`, exitCodes.usage);
    chunks.push(bytes);
  }
  // `echo value |` adds one line end; the value is what comes before it.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const cancelled = () => new CloudCommandFailure('cancelled; nothing was stored.', exitCodes.cancelled);

/**
 * Reads keys with the terminal in raw mode, so nothing typed is shown; Ctrl-C (or `signal`)
 * cancels. Raw mode comes before the prompt: keys typed on seeing it are never echoed.
 */
function readTyped(input: NodeJS.ReadStream, prompt: string, write: (text: string) => void, signal?: AbortSignal): Promise<string> {
  input.setRawMode(true);
  input.setEncoding('utf8');
  write(prompt);
  input.resume();
  let value = '';
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => finish(cancelled());
    const finish = (error?: Error) => {
      input.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      input.setRawMode(false);
      input.pause();
      write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\u0004') return finish();
        if (key === '\u0003') return finish(cancelled());
        if (key === '\u007f' || key === '\b') value = value.slice(0, -1);
        else value += key;
      }
    };
    input.on('data', onData);
  });
}

export async function readSecretValue(
  name: string,
  write: (text: string) => void,
  input: NodeJS.ReadStream = process.stdin,
  signal?: AbortSignal,
): Promise<string> {
  const value = input.isTTY ? await readTyped(input, `Value of ${name} (not shown): `, write, signal) : await readPiped(input);
  if (value === '') throw new CloudCommandFailure(`no value was given for ${name} on standard input; nothing was stored.`, exitCodes.usage);
  if (Buffer.byteLength(value) > maximumBytes)
    throw new CloudCommandFailure(`the secret is longer than ${maximumBytes} bytes.`, exitCodes.usage);
  return value;
}
