// A D-Bus method call's bytes, written here for the calls a listing makes by the thousand: dbus-next
// builds each message from many small buffers, half of the host's CPU in a cold listing. Only
// bodies of strings and 32-bit integers with valid names are marshalled here; anything else is
// left to dbus-next, which marshals (or refuses) it as before.
import dbus from 'dbus-next';

export interface MethodCallFields {
  destination: string;
  path: string;
  interface: string;
  member: string;
  /** D-Bus signature of `body`, "" for none. */
  signature?: string;
  body?: unknown[];
}

/** The first byte of a little-endian message. */
export const littleEndian = 0x6c; // 'l'
const methodCallType = 1;
export const protocolVersion = 1;
const headerFieldCodes = { path: 1, interface: 2, member: 3, destination: 6, signature: 8 } as const;

const align = (offset: number, boundary: number) => (offset + boundary - 1) & -boundary;

/** The body's values as bytes (strings) or numbers (integers); undefined when not all are marshalled here. */
function bodyValues(signature: string, body: readonly unknown[]): Array<Buffer | number> | undefined {
  if (body.length !== signature.length) return undefined;
  const values: Array<Buffer | number> = [];
  for (const [index, code] of [...signature].entries()) {
    const value = body[index];
    if (code === 's' && typeof value === 'string' && !value.includes('\0')) values.push(Buffer.from(value, 'utf8'));
    else if (code === 'u' && Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff)
      values.push(value as number);
    else if (code === 'i' && Number.isInteger(value) && (value as number) >= -0x80000000 && (value as number) <= 0x7fffffff)
      values.push(value as number);
    else return undefined;
  }
  return values;
}

const { validators } = dbus as unknown as {
  validators: Record<'isBusNameValid' | 'isObjectPathValid' | 'isInterfaceNameValid' | 'isMemberNameValid', (name: string) => boolean>;
};

/** Destination, interface and member as bytes, by the three names: a listing repeats the same few thousands of times. */
const encodedNames = new Map<string, [Buffer, Buffer, Buffer] | undefined>();
const encodedNamesLimit = 256;

/** The call's destination, interface and member as bytes, or undefined when a name (the path too) is invalid. */
function encodeNames(fields: MethodCallFields): [Buffer, Buffer, Buffer] | undefined {
  if (!validators.isObjectPathValid(fields.path)) return undefined;
  const key = `${fields.destination}\n${fields.interface}\n${fields.member}`;
  if (encodedNames.has(key)) return encodedNames.get(key);
  const valid =
    validators.isBusNameValid(fields.destination) &&
    validators.isInterfaceNameValid(fields.interface) &&
    validators.isMemberNameValid(fields.member);
  const encoded = valid
    ? ([Buffer.from(fields.destination, 'utf8'), Buffer.from(fields.interface, 'utf8'), Buffer.from(fields.member, 'utf8')] as [
        Buffer,
        Buffer,
        Buffer,
      ])
    : undefined;
  if (encodedNames.size >= encodedNamesLimit) encodedNames.clear();
  encodedNames.set(key, encoded);
  return encoded;
}

/**
 * The little-endian message dbus-next would write for this call with this serial (same header
 * fields, same order), or undefined when the call is not one marshalled here.
 */
export function marshalMethodCall(serial: number, fields: MethodCallFields): Buffer | undefined {
  const signature = fields.signature ?? '';
  const values = bodyValues(signature, fields.body ?? []);
  const names = values && signature.length <= 255 ? encodeNames(fields) : undefined;
  if (!values || !names) return undefined;
  const [destination, iface, member] = names;
  const headerFields: Array<[number, 'o' | 's' | 'g', Buffer]> = [
    [headerFieldCodes.path, 'o', Buffer.from(fields.path, 'utf8')],
    [headerFieldCodes.interface, 's', iface],
    [headerFieldCodes.member, 's', member],
    [headerFieldCodes.destination, 's', destination],
  ];
  if (signature) headerFields.push([headerFieldCodes.signature, 'g', Buffer.from(signature, 'ascii')]);
  // Each field is a struct (8-aligned) of a code byte and a variant: its signature, then the value.
  let fieldsEnd = 16;
  for (const [, type, bytes] of headerFields) fieldsEnd = align(fieldsEnd, 8) + 4 + (type === 'g' ? 1 : 4) + bytes.length + 1;
  const bodyStart = align(fieldsEnd, 8);
  let bodyLength = 0;
  for (const value of values) bodyLength = align(bodyLength, 4) + 4 + (typeof value === 'number' ? 0 : value.length + 1);
  // From the shared pool, not a new ArrayBuffer per call; zeroed for the padding.
  const message = Buffer.allocUnsafe(bodyStart + bodyLength).fill(0);
  message.writeUInt8(littleEndian, 0);
  message.writeUInt8(methodCallType, 1);
  message.writeUInt8(protocolVersion, 3);
  message.writeUInt32LE(bodyLength, 4);
  message.writeUInt32LE(serial, 8);
  message.writeUInt32LE(fieldsEnd - 16, 12);
  let offset = 16;
  for (const [code, type, bytes] of headerFields) {
    offset = align(offset, 8);
    message.writeUInt8(code, offset);
    message.writeUInt8(1, offset + 1);
    message.write(type, offset + 2, 'ascii');
    offset += 4;
    if (type === 'g') message.writeUInt8(bytes.length, offset++);
    else {
      message.writeUInt32LE(bytes.length, offset);
      offset += 4;
    }
    offset += bytes.copy(message, offset) + 1;
  }
  offset = bodyStart;
  for (const [index, value] of values.entries()) {
    offset = align(offset, 4);
    if (typeof value !== 'number') {
      message.writeUInt32LE(value.length, offset);
      offset += 4 + value.copy(message, offset + 4) + 1;
    } else if (signature[index] === 'i') offset = message.writeInt32LE(value, offset);
    else offset = message.writeUInt32LE(value, offset);
  }
  return message;
}
