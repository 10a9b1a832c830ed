// A one-key SSH agent on a Unix socket, served by vlm-host itself: the provisioning sandbox's ssh
// signs its logins through it, so the lab's private key never enters the sandbox (a playbook's
// lookup('file', ...) cannot read what is not there). The socket sits in the run folder, which
// only that run can open, and the run's network reaches only its own VM.
import { chmod, chown } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { utils, type ParsedKey } from 'ssh2';

// Message numbers of the SSH agent protocol (draft-miller-ssh-agent).
const agentFailure = 5;
const requestIdentities = 11;
const identitiesAnswer = 12;
const signRequest = 13;
const signResponse = 14;
// No request of this protocol is anywhere near this; a client sending more is cut off.
const maximumMessageBytes = 256 * 1024;

function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function message(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function readString(buffer: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buffer.length) return undefined;
  const length = buffer.readUInt32BE(offset);
  if (offset + 4 + length > buffer.length) return undefined;
  return { value: buffer.subarray(offset + 4, offset + 4 + length), next: offset + 4 + length };
}

function answer(key: ParsedKey, request: Buffer): Buffer {
  const publicBlob = key.getPublicSSH();
  if (request[0] === requestIdentities) {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(1);
    return message(identitiesAnswer, count, sshString(publicBlob), sshString(key.comment || 'vlm lab key'));
  }
  if (request[0] === signRequest) {
    const blob = readString(request, 1);
    const data = blob && readString(request, blob.next);
    if (!blob || !data || !blob.value.equals(publicBlob)) return message(agentFailure);
    const signature = key.sign(data.value);
    if (signature instanceof Error) return message(agentFailure);
    return message(signResponse, sshString(Buffer.concat([sshString(key.type), sshString(signature)])));
  }
  // Adding, removing, locking keys and extensions: this agent only signs with its one key.
  return message(agentFailure);
}

export interface SshAgent {
  close(): Promise<void>;
}

/** Serves `privateKey` (OpenSSH text) on `socketPath`; `uid` (when set) becomes the socket's owner. */
export async function serveSshAgent(socketPath: string, privateKey: string, uid: number | undefined): Promise<SshAgent> {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) {
    throw new Error(`The lab's SSH key cannot be used: ${parsed instanceof Error ? parsed.message : 'it is not one private key'}.`);
  }
  const key = parsed;
  const clients = new Set<Socket>();
  const server = createServer((socket) => {
    clients.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readUInt32BE(0);
        if (length === 0 || length > maximumMessageBytes) {
          socket.destroy();
          return;
        }
        if (pending.length < 4 + length) return;
        socket.write(answer(key, pending.subarray(4, 4 + length)));
        pending = pending.subarray(4 + length);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  if (uid !== undefined) await chown(socketPath, uid, uid);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of clients) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
