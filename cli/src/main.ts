// Entry point of the bundled `vlm` command.
import { exitCodes } from './exit-codes';
import { runCli } from './run-cli';

// `vlm validate ... | head` closes the pipe early: that is the reader's choice, not a failure,
// so the verdict's exit code stands and no stack trace is printed.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  // exitCode, not exit(): a piped stdout still flushes everything before the process ends.
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`vlm: internal error: ${detail}\n`);
    process.exitCode = exitCodes.internalFailure;
  },
);
