// A strict reader of the one reply a listing gets by the thousand: a method return whose body is one
// string (GetXMLDesc). dbus-next reads each message through generic, signature-driven code, most of
// the host's remaining CPU in a cold listing. The bytes come from the bus, so they are untrusted:
// anything this reader does not fully check (another type, byte order, field, signature, a length
// that does not add up, a NUL, invalid UTF-8, a destination dbus-next would refuse) is answered with
// undefined and left to dbus-next.
import { isUtf8 } from 'node:buffer';
import dbus from 'dbus-next';
import { littleEndian, protocolVersion } from './dbus-method-message';

/** What the bus needs of a method return to hand it to its caller. */
export interface MethodReturn {
  replySerial: number;
  destination: string;
  sender: string;
  /** The one string of the body. */
  text: string;
}

const methodReturnType = 2;
/** Header field codes of a method return, with the one type each must have. */
const fieldTypes: Record<number, number> = {
  5: 0x75, // reply serial, 'u'
  6: 0x73, // destination, 's'
  7: 0x73, // sender, 's'
  8: 0x67, // signature, 'g'
};

/** dbus-next's check of a received message's destination, which it fails on when the name is invalid. */
const { isBusNameValid } = (dbus as unknown as { validators?: { isBusNameValid?: (name: string) => boolean } }).validators ?? {};

let validDestination: string | undefined;

const align = (offset: number, boundary: number) => (offset + boundary - 1) & -boundary;

/**
 * A string of `length` bytes at `start` of `bytes`, followed by its NUL and no other; undefined when
 * it overruns `end`, holds a NUL, or is not UTF-8.
 */
function readText(bytes: Buffer, start: number, length: number, end: number): string | undefined {
  const stop = start + length;
  if (stop >= end || bytes[stop] !== 0) return undefined;
  const nul = bytes.indexOf(0, start);
  if (nul !== stop || !isUtf8(bytes.subarray(start, stop))) return undefined;
  return bytes.toString('utf8', start, stop);
}

/**
 * The method return in `header` (the message's first 16 bytes) and `rest` (the header fields,
 * padding and body, as framed by the length fields of `header`), when it is a little-endian
 * method return of exactly a reply serial, destination, sender and signature `s`, and a body of
 * exactly one valid string; otherwise undefined.
 */
export function readStringMethodReturn(header: Buffer, rest: Buffer): MethodReturn | undefined {
  if (header.length !== 16 || header[0] !== littleEndian || header[1] !== methodReturnType || header[3] !== protocolVersion)
    return undefined;
  const bodyLength = header.readUInt32LE(4);
  const fieldsLength = header.readUInt32LE(12);
  const bodyStart = align(fieldsLength, 8);
  // Every read below stays inside `rest`: the fields end before the body starts, the body ends with it.
  if (fieldsLength > rest.length || bodyStart < fieldsLength || bodyStart + bodyLength !== rest.length) return undefined;
  // Offsets in `rest` keep the message's alignment: the header before it is 16 bytes.
  const values: Record<number, number | string> = {};
  let offset = 0;
  while (offset < fieldsLength) {
    offset = align(offset, 8);
    if (offset + 4 > fieldsLength) return undefined;
    const code = rest[offset] as number;
    const type = fieldTypes[code];
    // Each field's variant signature is one type code and its NUL.
    if (type === undefined || code in values || rest[offset + 1] !== 1 || rest[offset + 2] !== type || rest[offset + 3] !== 0)
      return undefined;
    offset += 4;
    if (type === 0x67) {
      const length = rest[offset] as number;
      const text = readText(rest, offset + 1, length, fieldsLength);
      if (text === undefined) return undefined;
      values[code] = text;
      offset += 1 + length + 1;
      continue;
    }
    offset = align(offset, 4);
    if (offset + 4 > fieldsLength) return undefined;
    const number = rest.readUInt32LE(offset);
    offset += 4;
    if (type === 0x75) {
      values[code] = number;
      continue;
    }
    const text = readText(rest, offset, number, fieldsLength);
    if (text === undefined) return undefined;
    values[code] = text;
    offset += number + 1;
  }
  if (offset !== fieldsLength) return undefined;
  const { 5: replySerial, 6: destination, 7: sender, 8: signature } = values;
  if (typeof replySerial !== 'number' || typeof destination !== 'string' || typeof sender !== 'string' || signature !== 's')
    return undefined;
  if (destination !== validDestination) {
    if (!isBusNameValid?.(destination)) return undefined;
    validDestination = destination; // a connection's replies all carry its one name
  }
  // The body: one string, its length, bytes and NUL filling the body exactly.
  if (bodyLength < 5) return undefined;
  const length = rest.readUInt32LE(bodyStart);
  if (4 + length + 1 !== bodyLength) return undefined;
  const text = readText(rest, bodyStart + 4, length, rest.length);
  if (text === undefined) return undefined;
  return { replySerial, destination, sender, text };
}
