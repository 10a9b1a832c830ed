// Test helpers for D-Bus messages as bytes: recording what a bus connection receives, splitting it
// into messages as dbus-next frames them, and decoding one with dbus-next's own reader.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import dbus from 'dbus-next';
import { messageToJsFmt } from 'dbus-next/lib/marshall-compat';
import { unmarshalMessages } from 'dbus-next/lib/message';

/** A message as framed on the wire: its first 16 bytes, then its header fields, padding and body. */
export interface FramedMessage {
  header: Buffer;
  rest: Buffer;
}

/** Records every chunk the bus's socket receives from now on; `stop()` returns them joined. */
export function recordIncoming(bus: dbus.MessageBus): { stop(): Buffer } {
  const stream = (bus as unknown as { _connection: { stream: { push(chunk: unknown, encoding?: BufferEncoding): boolean } } })._connection
    .stream;
  const chunks: Buffer[] = [];
  const push = stream.push;
  stream.push = function (this: unknown, chunk: unknown, encoding?: BufferEncoding) {
    if (Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
    return push.call(this, chunk, encoding);
  };
  return {
    stop() {
      stream.push = push;
      return Buffer.concat(chunks);
    },
  };
}

/** Splits whole messages out of `bytes` with dbus-next's length arithmetic. */
export function frameMessages(bytes: Buffer): FramedMessage[] {
  const messages: FramedMessage[] = [];
  let offset = 0;
  while (offset + 16 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 16);
    const little = header[0] === 108;
    const fieldsLength = little ? header.readUInt32LE(12) : header.readUInt32BE(12);
    const bodyLength = little ? header.readUInt32LE(4) : header.readUInt32BE(4);
    const restLength = (((fieldsLength + 7) >> 3) << 3) + bodyLength;
    if (offset + 16 + restLength > bytes.length) break;
    messages.push({ header: Buffer.from(header), rest: Buffer.from(bytes.subarray(offset + 16, offset + 16 + restLength)) });
    offset += 16 + restLength;
  }
  return messages;
}

export type Decoded = { message: dbus.Message } | { error: unknown };

/** What dbus-next's reader and connection make of one framed message: a Message, or the error it fails with. */
export function decodeWithDbusNext({ header, rest }: FramedMessage): Decoded {
  const framed: Buffer[] = [header, rest];
  const feed = Object.assign(new EventEmitter(), { read: () => framed.shift() ?? null });
  let result: Decoded | undefined;
  unmarshalMessages(
    feed,
    (decoded) => {
      try {
        result = { message: new dbus.Message(messageToJsFmt(decoded) as ConstructorParameters<typeof dbus.Message>[0]) };
      } catch (error) {
        result = { error };
      }
    },
    {},
  );
  try {
    feed.emit('readable');
  } catch (error) {
    return { error };
  }
  return result ?? { error: new Error('dbus-next delivered nothing') };
}

/** A method return marshalled by dbus-next, for replies of shapes the bus did not send. */
export function marshalReply(fields: { replySerial: number; destination: string; sender: string; signature: string; body: unknown[] }): {
  header: Buffer;
  rest: Buffer;
} {
  const { marshall } = createRequire(__filename)('dbus-next/lib/message') as { marshall(message: dbus.Message): [Buffer, unknown[]] };
  // dbus-next's types say replySerial is a string; its marshaller writes the number as 'u'.
  const message = new dbus.Message({ type: dbus.MessageType.METHOD_RETURN, serial: 7, ...fields } as unknown as ConstructorParameters<
    typeof dbus.Message
  >[0]);
  const [bytes] = marshall(message);
  return { header: bytes.subarray(0, 16), rest: bytes.subarray(16) };
}

/**
 * The same message in big-endian byte order, for messages of 'u', 's' and 'g' header fields and a
 * body of one string: each 32-bit number and length is swapped in place.
 */
export function toBigEndian({ header, rest }: FramedMessage): FramedMessage {
  const bigHeader = Buffer.from(header);
  const bigRest = Buffer.from(rest);
  bigHeader[0] = 0x42; // 'B'
  for (const offset of [4, 8, 12]) bigHeader.writeUInt32BE(header.readUInt32LE(offset), offset);
  const fieldsLength = header.readUInt32LE(12);
  let offset = 0;
  while (offset < fieldsLength) {
    offset = (offset + 7) & -8;
    const type = String.fromCharCode(rest[offset + 2] as number);
    offset += 4;
    if (type === 'g') {
      offset += 1 + (rest[offset] as number) + 1;
      continue;
    }
    offset = (offset + 3) & -4;
    const value = rest.readUInt32LE(offset);
    bigRest.writeUInt32BE(value, offset);
    offset += 4 + (type === 'u' ? 0 : value + 1);
  }
  const bodyStart = (fieldsLength + 7) & -8;
  bigRest.writeUInt32BE(rest.readUInt32LE(bodyStart), bodyStart);
  return { header: bigHeader, rest: bigRest };
}

/** `framed` (little-endian) with one more header field of `code`: a number typed 'u', or a string typed 's'. */
export function withField(framed: FramedMessage, code: number, value: number | string): FramedMessage {
  const fieldsLength = framed.header.readUInt32LE(12);
  const bodyStart = (fieldsLength + 7) & -8;
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(typeof value === 'number' ? value : Buffer.byteLength(value));
  const encoded = typeof value === 'number' ? bytes : Buffer.concat([bytes, Buffer.from(`${value}\0`)]);
  const field = Buffer.concat([Buffer.from([code, 1, (typeof value === 'number' ? 'u' : 's').charCodeAt(0), 0]), encoded]);
  const fields = Buffer.concat([framed.rest.subarray(0, bodyStart), field]);
  const padded = Buffer.alloc((fields.length + 7) & -8);
  fields.copy(padded);
  const header = Buffer.from(framed.header);
  header.writeUInt32LE(fields.length, 12);
  return { header, rest: Buffer.concat([padded, framed.rest.subarray(bodyStart)]) };
}
