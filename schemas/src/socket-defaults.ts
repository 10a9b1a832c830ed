// Where vlm-host listens when started without --socket, and so where its clients look first.
// A contract between vlm-host and its clients, so it lives beside the protocol: main.ts, the CLI and the extension all ask here.
import { join } from 'node:path';

/** The socket of a vlm-host run as root, its usual way on a lab server. */
export const rootSocketPath = '/run/vlm/vlm-host.sock';

/**
 * The default socket: the root one for root, else vlm/vlm-host.sock in the user's runtime folder
 * ($XDG_RUNTIME_DIR); undefined when a non-root user has no runtime folder.
 */
export function defaultSocketPath(isRoot: boolean, runtimeFolder: string | undefined): string | undefined {
  if (isRoot) return rootSocketPath;
  return runtimeFolder ? join(runtimeFolder, 'vlm', 'vlm-host.sock') : undefined;
}
