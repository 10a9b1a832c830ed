// The one way this layer calls D-Bus: a method call with a timeout, whose failures become
// HypervisorErrors that name the interface, method and object path.
import dbus from 'dbus-next';
import { HypervisorError, type HypervisorErrorCode } from './hypervisor';
import { libvirtErrorName } from './constants';
import { type MethodCallFields, marshalMethodCall } from './dbus-method-message';
import { acceptDirectReplies, type BusInternals, type ReplyFields } from './dbus-replies';
import { releasePlace, takePlace } from './bus-pending-calls';

export interface DbusRequest {
  path: string;
  interface: string;
  member: string;
  /** D-Bus signature of `body`, "" for none. */
  signature?: string;
  body?: unknown[];
}

/** libvirt's error messages start with the text of its error code; these are the ones callers act on. */
const libvirtMessagePrefixes: ReadonlyArray<[string, HypervisorErrorCode]> = [
  ['Domain not found', 'no-such-domain'],
  ['Domain snapshot not found', 'no-such-snapshot'],
  ['Network not found', 'no-such-network'],
  ['Storage pool not found', 'no-such-pool'],
  ['Storage volume not found', 'no-such-volume'],
  ['Requested operation is not valid', 'invalid-operation'],
  ['invalid argument', 'invalid-argument'],
  ['XML error', 'invalid-argument'],
  ['unsupported configuration', 'invalid-argument'],
  ['XML document failed to validate', 'invalid-argument'],
];

/** D-Bus errors meaning libvirt-dbus (or its link to libvirtd) is not there. */
const disconnectedErrorNames = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.NoReply',
  'org.freedesktop.DBus.Error.Disconnected',
  'org.freedesktop.DBus.Error.NoServer',
]);

function libvirtErrorCode(text: string): HypervisorErrorCode {
  for (const [prefix, code] of libvirtMessagePrefixes) if (text.startsWith(prefix)) return code;
  // libxml2's parse errors name the document libvirt was reading: "(domain_definition):1: ...".
  if (/^\([a-z_]+\):\d+:/.test(text)) return 'invalid-argument';
  if (/already exists/.test(text)) return 'already-exists';
  if (/is not running|is already running|already active|not active|is not paused|domain is not running/.test(text))
    return 'invalid-operation';
  // libvirt-dbus lost libvirtd: "Cannot recv data", "client socket is closed", "no connection driver".
  if (/Cannot (recv|write) data|client socket is closed|Connection reset|Failed to connect socket|no connection driver/i.test(text))
    return 'disconnected';
  return 'libvirt';
}

export function describeRequest(request: DbusRequest): string {
  return `${request.interface}.${request.member} on ${request.path}`;
}

/** Turns whatever a D-Bus call threw into a HypervisorError. */
export function toHypervisorError(error: unknown, request: DbusRequest): HypervisorError {
  if (error instanceof HypervisorError) return error;
  const where = describeRequest(request);
  if (error instanceof dbus.DBusError) {
    if (error.type === libvirtErrorName)
      return new HypervisorError(libvirtErrorCode(error.text), `${where} failed: ${error.text}`, error.text);
    if (disconnectedErrorNames.has(error.type))
      return new HypervisorError('disconnected', `${where} failed: libvirt-dbus is not on the bus (${error.type}: ${error.text})`);
    return new HypervisorError('libvirt', `${where} failed: ${error.type}: ${error.text}`);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new HypervisorError('disconnected', `${where} failed: ${text}`);
}

const corkedBuses = new WeakSet<dbus.MessageBus>();

/**
 * Holds the bus's writes until the current tick ends, so the calls a listing makes at once go out
 * in one socket write instead of one each (a write per message was a quarter of a cold listing).
 */
function coalesceWrites(bus: dbus.MessageBus): void {
  if (corkedBuses.has(bus)) return;
  const stream = (bus as unknown as BusInternals)._connection?.stream;
  if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
  corkedBuses.add(bus);
  stream.cork();
  process.nextTick(() => {
    corkedBuses.delete(bus);
    stream.uncork?.();
  });
}

/**
 * Sends the call as bus.call() does (a serial, a reply handler, the bytes on the socket), with
 * the message marshalled by marshalMethodCall when it can be; otherwise through bus.call().
 */
function sendCall(bus: dbus.MessageBus, fields: MethodCallFields): { serial: () => number | null; reply: Promise<ReplyFields | null> } {
  const { _connection: connection, _methodReturnHandlers: handlers, _nameOwners: owners } = bus as unknown as BusInternals;
  const write = connection?.stream?.write?.bind(connection.stream);
  if (
    connection?.state === 'connected' &&
    connection.stream?.writable &&
    !connection.stream.supportsUnixFd &&
    write &&
    handlers &&
    owners
  ) {
    const serial = bus.newSerial();
    const bytes = marshalMethodCall(serial, fields);
    if (bytes) {
      const reply = new Promise<ReplyFields>((resolve, reject) => {
        // As bus.call() does; a reply may also come from readRepliesDirectly, with these fields only.
        handlers[serial] = acceptDirectReplies((answer) => {
          owners[fields.destination] = answer.sender ?? undefined;
          if (answer.type === dbus.MessageType.ERROR)
            reject(new dbus.DBusError(answer.errorName ?? '', answer.body[0] as string, answer as unknown as dbus.Message));
          else resolve(answer);
        });
      });
      write(bytes);
      return { serial: () => serial, reply };
    }
  }
  const message = new dbus.Message({ ...fields, signature: fields.signature ?? '', body: fields.body ?? [] });
  return { serial: () => message.serial, reply: bus.call(message) };
}

/**
 * Calls `request` on `destination`; rejects with a 'timeout' HypervisorError after `timeoutMs`,
 * counted from here: a call past the bus's pending-call limit waits its turn within that time.
 */
export async function dbusCall(bus: dbus.MessageBus, destination: string, request: DbusRequest, timeoutMs: number): Promise<unknown[]> {
  const waiting = takePlace(bus);
  let sent: ReturnType<typeof sendCall> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (waiting && !waiting.granted) waiting.cancelled = true;
      // Drop the reply handler so a reply that never comes does not pin memory.
      const serial = sent?.serial() ?? null;
      if (serial !== null) delete (bus as unknown as BusInternals)._methodReturnHandlers?.[serial];
      reject(new HypervisorError('timeout', `${describeRequest(request)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    if (waiting) await Promise.race([waiting.turn, timeout]);
    coalesceWrites(bus);
    sent = sendCall(bus, { destination, ...request });
    const reply = await Promise.race([sent.reply, timeout]);
    return reply?.body ?? [];
  } catch (error) {
    throw toHypervisorError(error, request);
  } finally {
    clearTimeout(timer);
    if (!waiting || waiting.granted) releasePlace(bus);
  }
}

/** D-Bus 64-bit integers arrive as long.js Long objects (or BigInt when a process opts into that). */
export function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  throw new TypeError(`Expected a number from libvirt-dbus, got ${typeof value}`);
}

/** The value inside a D-Bus variant. libvirt-dbus's Properties.GetAll wraps each value twice. */
export function variantValue(value: unknown): unknown {
  let inner = value;
  while (inner instanceof dbus.Variant) inner = inner.value;
  return inner;
}
