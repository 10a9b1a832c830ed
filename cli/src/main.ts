// Entry point of the bundled `vlm` command.
import { exitCodes } from './exit-codes';
import { runCli } from './run-cli';

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
