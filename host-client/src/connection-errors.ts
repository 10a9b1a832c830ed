// Why a client could not reach vlm-host, in words a user can act on. Each failure is named once
// here; the extension speaks in sentences, the CLI in its `vlm: ...` style with the options that
// fix it.

/** For the extension: a sentence saying why the socket at `path` could not be used. */
export function socketFailureReason(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `The host service is not running: there is no socket at ${path}.`;
    case 'ECONNREFUSED':
      return `The host service is not running: nothing listens on ${path}.`;
    case 'EACCES':
      return `You may not use the host service's socket at ${path}: check its permissions.`;
    default:
      return `Could not reach the host service at ${path}: ${error.message}`;
  }
}

/** For the command line: the same failures, with how to start vlm-host or point --host elsewhere. */
export function commandLineSocketFailure(path: string, error: NodeJS.ErrnoException): string {
  const where = `unix:${path}`;
  const start = `'vlm-host --socket ${path}' (or 'systemctl start vlm-host'), or point --host or VLM_HOST at the right socket`;
  switch (error.code) {
    case 'ENOENT':
      return `no host service at ${where}: the socket does not exist. Is vlm-host running? Start it with ${start}.`;
    case 'ECONNREFUSED':
      return `no host service at ${where}: nothing is listening on the socket (a stale socket?). Is vlm-host running? Start it with ${start}.`;
    case 'EACCES':
    case 'EPERM':
      return `cannot connect to the host service at ${where}: permission denied. Run as a user in the socket's group, or as root.`;
    case 'ENOTSOCK':
      return `${where} is not a socket: point --host or VLM_HOST at vlm-host's socket.`;
    default:
      return `cannot connect to the host service at ${where}: ${error.message}.`;
  }
}

/** The service did not answer the first request in time; `where` is "at PATH" or "on user@host". */
export function noAnswerReason(where: string, timeoutMs: number): string {
  return `The host service ${where} did not answer within ${timeoutMs / 1000} s.`;
}

/** The service speaks another protocol version; `client` is "this extension" or "this vlm". */
export function versionMismatchReason(where: string, theirs: number, ours: number, client: string): string {
  return `The host service ${where} speaks protocol version ${theirs}; ${client} speaks ${ours}. Update the one that is older.`;
}
