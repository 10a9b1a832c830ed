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

/** Reads keys with the terminal in raw mode, so nothing typed is shown; Ctrl-C cancels. */
function readTyped(input: NodeJS.ReadStream, prompt: string, write: (text: string) => void): Promise<string> {
  write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  let value = '';
  return new Promise<string>((resolve, reject) => {
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (keys: string) => {
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\u0004') return finish();
        if (key === '\u0003') return finish(new CloudCommandFailure('cancelled; nothing was stored.', exitCodes.cancelled));
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
): Promise<string> {
  const value = input.isTTY ? await readTyped(input, `Value of ${name} (not shown): `, write) : await readPiped(input);
  if (value === '') throw new CloudCommandFailure(`no value was given for ${name} on standard input; nothing was stored.`, exitCodes.usage);
  if (Buffer.byteLength(value) > maximumBytes)
    throw new CloudCommandFailure(`the secret is longer than ${maximumBytes} bytes.`, exitCodes.usage);
  return value;
}
