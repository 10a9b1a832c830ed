// How `vlm cloud` commands end: a cloud, account, secrets or file error becomes one `vlm: ...`
// line (the error's own describe()) and an exit code; Ctrl-C aborts what is in flight.
import { AccountError } from '@vlm/clouds/src/account-check';
import { AccountsFileError } from '@vlm/clouds/src/accounts-file';
import { CloudError } from '@vlm/clouds/src/cloud-errors';
import { SecretFileError } from '@vlm/clouds/src/secret-file';
import type { CommandOutput } from './command-table';
import { printableMessage } from './diagnostic-report';
import { exitCodes } from './exit-codes';

/** A failure already worded for the user, with its exit code. */
export class CloudCommandFailure extends Error {
  override readonly name = 'CloudCommandFailure';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The exit code of a provider's error: refused before sending 2, no answer 3, anything else 1. */
export function exitCodeOf(error: CloudError): number {
  if (error.kind === 'invalidInput') return exitCodes.usage;
  if (error.kind === 'unreachable') return exitCodes.hostUnreachable;
  return exitCodes.problems;
}

/**
 * The secrets file's own error when a provider met it while reading a secret, however the provider
 * wrapped it: a wrong key or an altered file is the user's configuration, not the provider's answer.
 */
export function secretsFileProblem(error: unknown): SecretFileError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof SecretFileError) return current;
    current = current instanceof CloudError ? (current.details.cause ?? current.cause) : current.cause;
  }
  return undefined;
}

/** The one-line words and exit code of an error this group knows; undefined for a bug. */
export function describeFailure(error: unknown): { message: string; exitCode: number } | undefined {
  const secrets = secretsFileProblem(error);
  if (secrets) return { message: secrets.describe(), exitCode: exitCodes.usage };
  if (error instanceof CloudError) return { message: error.describe(), exitCode: exitCodeOf(error) };
  if (error instanceof AccountError || error instanceof AccountsFileError || error instanceof SecretFileError) {
    return { message: error.describe(), exitCode: exitCodes.usage };
  }
  if (error instanceof CloudCommandFailure) return { message: error.message, exitCode: error.exitCode };
  return undefined;
}

/**
 * Runs `body` with a signal that the first Ctrl-C aborts (a second one exits at once), and
 * prints a known failure as `vlm: ...`. Unknown errors are bugs and go on to the CLI's handler.
 */
export async function runCloudCommand(output: CommandOutput, body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  // The pinned AWS SDK runs on this Node; its warning that later versions will not is nothing a
  // `vlm` user can act on, and would fill standard error on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(exitCodes.cancelled);
    controller.abort(new Error('cancelled'));
  };
  process.on('SIGINT', onSignal);
  try {
    return await body(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return exitCodes.cancelled;
    const known = describeFailure(error);
    if (known === undefined) throw error;
    output.stderr(`vlm: ${printableMessage(known.message)}\n`);
    return known.exitCode;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
