// Reads what the bus sends in place of dbus-next's reader, so that the replies a cold listing gets by
// the thousand skip dbus-next's generic decoding. A reply to a hand-marshalled call that
// readStringMethodReturn accepts goes straight to its caller; every other message, and every reply
// that reader refuses, is handed byte for byte to dbus-next's own reader, which decodes, checks
// and delivers it (or fails on it) as before. Messages are framed exactly as dbus-next frames them.
import { EventEmitter } from 'node:events';
import dbus from 'dbus-next';
import { messageToJsFmt } from 'dbus-next/lib/marshall-compat';
import { unmarshalMessages } from 'dbus-next/lib/message';
import { littleEndian } from './dbus-method-message';
import { readStringMethodReturn } from './dbus-method-return';

/** What a reply handler reads of a reply: dbus-next passes a whole Message, this reader these fields. */
export interface ReplyFields {
  type: dbus.MessageType;
  sender?: string;
  errorName?: string;
  body: unknown[];
}
export type ReplyHandler = (reply: ReplyFields) => void;

/** The socket as dbus-next reads and writes it (net.Socket, or usocket's, whose reads may carry file descriptors). */
interface BusStream extends EventEmitter {
  read(size?: number): unknown;
  /** A usocket stream passing file descriptors takes { data, fds }, not bytes: left to dbus-next. */
  supportsUnixFd?: boolean;
  writable?: boolean;
  write?: (data: Buffer) => boolean;
  cork?: () => void;
  uncork?: () => void;
}

/**
 * Private state of dbus-next's MessageBus, each part checked before use: the reply handlers by
 * serial (a timed-out call drops its own), the owners of names (bus.call() notes who answered),
 * and the connection with its socket.
 */
export interface BusInternals {
  name?: string | null;
  _methodReturnHandlers?: Record<number, ReplyHandler>;
  _nameOwners?: Record<string, string | undefined>;
  _connection?: EventEmitter & { state?: string; stream?: BusStream };
}

/** Marks handlers of calls whose replies may be read here (sendCall marks those of hand-marshalled calls). */
const directReplies = Symbol('replies read directly');
type MarkedHandler = ReplyHandler & { [directReplies]?: true };
const readBuses = new WeakSet<dbus.MessageBus>();

export function acceptDirectReplies(handler: ReplyHandler): ReplyHandler {
  // A property, not a WeakSet: adding to a WeakSet per call cost more than reading the reply.
  (handler as MarkedHandler)[directReplies] = true;
  return handler;
}

/**
 * Reads `bus`'s incoming messages here from the next message on. dbus-next's reader is between two
 * messages only while it delivers one, so it is replaced from within its 'message' event. Nothing
 * changes when one of the dbus-next internals used is missing or not of the shape known here.
 * Replies read here are not emitted as the bus's 'message' event (LibvirtConnection listens there
 * for signals only).
 */
export function readRepliesDirectly(bus: dbus.MessageBus): void {
  const { _connection: connection, _methodReturnHandlers: handlers, _nameOwners: owners } = bus as unknown as BusInternals;
  const stream = connection?.stream;
  if (
    readBuses.has(bus) ||
    !(connection instanceof EventEmitter) ||
    !(stream instanceof EventEmitter) ||
    typeof stream.read !== 'function' ||
    stream.supportsUnixFd ||
    !handlers ||
    !owners ||
    typeof unmarshalMessages !== 'function' ||
    typeof messageToJsFmt !== 'function'
  )
    return;
  readBuses.add(bus);
  bus.once('message', () => takeOver(bus, connection, stream));
}

function takeOver(bus: dbus.MessageBus, connection: EventEmitter, stream: BusStream): void {
  const readers = stream.listeners('readable');
  const dbusNextReader = readers[0];
  if (readers.length !== 1 || typeof dbusNextReader !== 'function') return;
  stream.removeListener('readable', dbusNextReader as (...args: unknown[]) => void);
  // dbus-next's read loop goes on once this event returns: it finds nothing more to read.
  stream.read = () => null;
  process.nextTick(() => {
    delete (stream as Partial<BusStream>).read;
    const read = messageReader(bus, stream, dbusNextDelivery(connection));
    stream.on('readable', read);
    read();
  });
}

/**
 * dbus-next's reader on a stream fed one framed message at a time, delivering as dbus-next's
 * connection does: decoded into a Message and emitted as 'message', or an 'error' when that fails.
 */
function dbusNextDelivery(connection: EventEmitter): (header: unknown, rest: unknown) => void {
  const framed: unknown[] = [];
  const feed = Object.assign(new EventEmitter(), { read: () => framed.shift() ?? null });
  unmarshalMessages(
    feed,
    (decoded) => {
      let message: dbus.Message;
      try {
        message = new dbus.Message(messageToJsFmt(decoded) as ConstructorParameters<typeof dbus.Message>[0]);
      } catch (error) {
        connection.emit('error', error, `There was an error receiving a message (this is probably a bug in dbus-next): ${decoded}`);
        return;
      }
      connection.emit('message', message);
    },
    {},
  );
  return (header, rest) => {
    framed.push(header, rest);
    feed.emit('readable');
  };
}

/** The 'readable' listener: frames messages as dbus-next does, and delivers each here or through dbus-next. */
function messageReader(bus: dbus.MessageBus, stream: BusStream, toDbusNext: (header: unknown, rest: unknown) => void): () => void {
  let header: Buffer | undefined;
  let restLength = 0;
  return () => {
    while (true) {
      if (!header) {
        const read = stream.read(16) as Buffer | null;
        if (!read) return;
        header = read;
        const fieldsLength = read[0] === littleEndian ? read.readUInt32LE(12) : read.readUInt32BE(12);
        const bodyLength = read[0] === littleEndian ? read.readUInt32LE(4) : read.readUInt32BE(4);
        // The same arithmetic as dbus-next's, so that even a hostile length asks the stream for the same size.
        restLength = (((fieldsLength + 7) >> 3) << 3) + bodyLength;
        continue;
      }
      const rest = stream.read(restLength);
      if (!rest) return;
      const messageHeader = header;
      header = undefined;
      if (!(Buffer.isBuffer(rest) && deliverDirectly(bus, messageHeader, rest))) toDbusNext(messageHeader, rest);
    }
  };
}

/** Hands a reply to its caller as dbus-next's bus would, when it is one read here; false otherwise. */
function deliverDirectly(bus: dbus.MessageBus, header: Buffer, rest: Buffer): boolean {
  const reply = readStringMethodReturn(header, rest);
  if (!reply) return false;
  const { name, _methodReturnHandlers: handlers, _nameOwners: owners } = bus as unknown as BusInternals;
  const handler: MarkedHandler | undefined = handlers?.[reply.replySerial];
  if (!handlers || !handler?.[directReplies]) return false;
  // dbus-next's bus drops a reply meant for another connection.
  const owner = owners?.[reply.destination];
  if (!name || reply.destination !== name || (owner && owner !== name)) return false;
  delete handlers[reply.replySerial];
  handler({ type: dbus.MessageType.METHOD_RETURN, sender: reply.sender, body: [reply.text] });
  return true;
}
