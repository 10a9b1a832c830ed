// How failures reach the user. No `vscode` import: unit-tested.

/** Cancellations are the user's own choice: they are neither logged as errors nor shown. */
export function isCancellation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  // vscode.CancellationError and vscode-jsonrpc's request cancellation both say "Canceled";
  // an aborted fetch or socket says "AbortError".
  return name === 'Canceled' || name === 'AbortError' || (error as { code?: unknown }).code === -32800;
}

/** One line for a notification: the error's own message, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  if (typeof error === 'string') return error;
  return 'an unexpected error (details are in the log)';
}
