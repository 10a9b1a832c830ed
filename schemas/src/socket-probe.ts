// Whether a service listens on a Unix socket: vlm-host asks before it takes a socket path, the
// extension before it starts a service of its own.
import { connect } from 'node:net';

/** Whether something accepts connections on the Unix socket `socketPath` now. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
