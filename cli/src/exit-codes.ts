// Exit codes are part of the CLI's contract: CI scripts branch on them.
export const exitCodes = {
  /** Everything checked; no errors (warnings allowed). */
  success: 0,
  /** At least one lab has an error, or the host refused or failed the operation. */
  problems: 1,
  /** The command line was wrong, or a file could not be read. */
  usage: 2,
  /** The host service could not be reached (no socket, nothing listening, no permission); for `vlm cloud`, the provider did not answer. */
  hostUnreachable: 3,
  /** Interrupted by the user (Ctrl-C): 128 + SIGINT, as shells report it. */
  cancelled: 130,
  /** A bug in vlm itself (EX_SOFTWARE from sysexits.h), never a verdict on the labs. */
  internalFailure: 70,
} as const;

/** Thrown for a wrong command line; the CLI prints the message and exits with `exitCodes.usage`. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help the user should read, as typed words ('validate', 'lab up'); empty for the tool. */
    readonly commandPath: string = '',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
