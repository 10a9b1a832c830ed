// The start of an RFB (VNC) client: version handshake and VNC authentication, enough to check
// that a display refuses a wrong password and accepts the right one (RFC 6143, sections 7.1-7.2).
import { createCipheriv } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * VNC authentication's DES key: the password's first 8 bytes, zero-padded, each byte's bits in
 * reverse order (a quirk of the original implementation that every server follows).
 */
export function vncDesKey(password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let index = 0; index < key.length; index += 1) {
    let reversed = 0;
    for (let bit = 0; bit < 8; bit += 1) if ((key[index] as number) & (1 << bit)) reversed |= 0x80 >> bit;
    key[index] = reversed;
  }
  return key;
}

/**
 * The answer to a 16-byte challenge: both halves DES-encrypted with the key. OpenSSL 3 keeps
 * single DES in its legacy provider only; two-key triple DES with both keys equal is single DES.
 */
export function vncChallengeResponse(challenge: Buffer, password: string): Buffer {
  const key = vncDesKey(password);
  const cipher = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

/** Reads exactly `length` bytes, or fails when the server closes first or `timeoutMs` passes. */
function reader(socket: Socket, timeoutMs: number) {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let ended = false;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  });
  socket.on('close', () => {
    ended = true;
    waiting?.();
  });
  return async (length: number): Promise<Buffer> => {
    const deadline = Date.now() + timeoutMs;
    while (buffered.length < length) {
      if (ended) throw new Error(`The VNC server closed the connection (wanted ${length} bytes, had ${buffered.length}).`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('The VNC server did not answer in time.')), Math.max(0, deadline - Date.now()));
        waiting = () => {
          clearTimeout(timer);
          waiting = undefined;
          resolve();
        };
      });
    }
    const taken = buffered.subarray(0, length);
    buffered = buffered.subarray(length);
    return taken;
  };
}

export interface VncAuthentication {
  /** The security types the server offered (2 is VNC authentication, 1 none). */
  offered: number[];
  accepted: boolean;
  /** The server's reason when it refused. */
  reason?: string;
}

/** Connects to 127.0.0.1:`port`, speaks RFB 3.8 and authenticates with `password`. */
export async function authenticateVnc(port: number, password: string, timeoutMs = 20_000): Promise<VncAuthentication> {
  const socket = connect({ host: '127.0.0.1', port });
  const read = reader(socket, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const version = (await read(12)).toString('latin1');
    if (!/^RFB \d{3}\.\d{3}\n$/.test(version)) throw new Error(`Not an RFB server: ${JSON.stringify(version)}`);
    socket.write('RFB 003.008\n');
    const count = (await read(1))[0] as number;
    if (count === 0) {
      const length = (await read(4)).readUInt32BE(0);
      throw new Error(`The VNC server refused the connection: ${(await read(length)).toString('utf8')}`);
    }
    const offered = [...(await read(count))];
    if (!offered.includes(2)) return { offered, accepted: offered.includes(1) };
    socket.write(Buffer.from([2]));
    socket.write(vncChallengeResponse(await read(16), password));
    const result = (await read(4)).readUInt32BE(0);
    if (result === 0) return { offered, accepted: true };
    const length = (await read(4)).readUInt32BE(0);
    return { offered, accepted: false, reason: (await read(length)).toString('utf8') };
  } finally {
    socket.destroy();
  }
}
