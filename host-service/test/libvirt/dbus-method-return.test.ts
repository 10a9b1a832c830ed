// The strict reader of string method returns against dbus-next's reader, on replies recorded from
// libvirt-dbus and on hostile ones: it reads what dbus-next reads, or refuses and leaves it to dbus-next.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dbus from 'dbus-next';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { readStringMethodReturn } from '../../src/libvirt/dbus-method-return';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { decodeWithDbusNext, type FramedMessage, frameMessages, marshalReply, recordIncoming, withField } from './dbus-wire';

/** Ours equals dbus-next's reading of the same bytes, or is undefined; returns ours. */
function assertReadsAsDbusNext(framed: FramedMessage, label: string) {
  const ours = readStringMethodReturn(framed.header, framed.rest);
  if (!ours) return ours;
  const theirs = decodeWithDbusNext(framed);
  assert.ok(
    'message' in theirs,
    `${label}: read here as ${JSON.stringify(ours).slice(0, 200)}, but dbus-next fails on it: ${'error' in theirs ? theirs.error : ''}`,
  );
  const { message } = theirs;
  assert.equal(message.type, dbus.MessageType.METHOD_RETURN, label);
  assert.equal(message.signature, 's', label);
  assert.deepEqual(
    { replySerial: message.replySerial, destination: message.destination, sender: message.sender, body: message.body },
    { replySerial: ours.replySerial, destination: ours.destination, sender: ours.sender, body: [ours.text] },
    label,
  );
  return ours;
}

/** Replies recorded from libvirt-dbus's test driver (domain XML, one multi-byte; an error; a variant) and the daemon's id. */
async function recordReplies(environment: LibvirtTestEnvironment): Promise<FramedMessage[]> {
  const bus = dbus.sessionBus({ busAddress: environment.busAddress });
  try {
    await new Promise((resolve) => bus.once('connect', resolve));
    const call = async (path: string, iface: string, member: string, signature: string, body: unknown[]) =>
      (await bus.call(new dbus.Message({ destination: 'org.libvirt', path, interface: iface, member, signature, body })))?.body ?? [];
    const connect = '/org/libvirt/Test';
    const xml = buildDomainXml({ name: 'reply-bytes', type: 'qemu', vcpu: 1, memoryMiB: 64, vlm: { lab: 'lab', vm: 'vm' } }).replace(
      '</name>',
      '</name><description>é日本😀</description>',
    );
    const defined = await call(connect, 'org.libvirt.Connect', 'DomainDefineXML', 's', [xml]);
    const [[testPath]] = (await call(connect, 'org.libvirt.Connect', 'ListDomains', 'u', [0])) as [string[]];
    const recording = recordIncoming(bus);
    await call(defined[0] as string, 'org.libvirt.Domain', 'GetXMLDesc', 'u', [0]);
    await call(testPath as string, 'org.libvirt.Domain', 'GetXMLDesc', 'u', [0]);
    await bus.call(
      new dbus.Message({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'GetId',
      }),
    );
    await call(`${connect}/domain/_00000000_0000_0000_0000_000000000000`, 'org.libvirt.Domain', 'GetXMLDesc', 'u', [0]).catch(() => {});
    await call(testPath as string, 'org.freedesktop.DBus.Properties', 'Get', 'ss', ['org.libvirt.Domain', 'Name']);
    return frameMessages(recording.stop());
  } finally {
    bus.disconnect();
  }
}

describe('string method returns read here and by dbus-next', () => {
  let environment: LibvirtTestEnvironment;
  let recorded: FramedMessage[] = [];
  before(async () => {
    environment = await startLibvirtTestEnvironment();
    recorded = await recordReplies(environment);
  });
  after(async () => {
    await environment?.stop();
  });

  test("libvirt-dbus's string replies are read here as dbus-next reads them; its error and variant replies are not", () => {
    assert.equal(recorded.length, 5, 'five replies recorded');
    const read = recorded.map((framed, index) => assertReadsAsDbusNext(framed, `recorded reply ${index}`));
    assert.ok(read[0]?.text.includes('<description>é日本😀</description>'), 'the multi-byte domain XML is read here');
    assert.ok(read[1]?.text.startsWith('<domain'), "the test domain's XML is read here");
    assert.equal(typeof read[2]?.text, 'string', "the D-Bus daemon's id is read here");
    assert.equal(read[3], undefined, 'an error reply is left to dbus-next');
    assert.equal(read[4], undefined, 'a variant reply is left to dbus-next');
  });

  test('well-formed replies of other field orders and lengths are read here too', () => {
    const base = { replySerial: 3, destination: ':1.7', sender: ':1.2', signature: 's' };
    for (const text of ['', 'x', 'é', 'x'.repeat(70_000), '日本😀'.repeat(100)]) {
      assert.ok(assertReadsAsDbusNext(marshalReply({ ...base, body: [text] }), `text of ${text.length}`));
    }
  });

  test('hostile replies are left to dbus-next', () => {
    const xmlReply = recorded[0] as FramedMessage;
    const hostile = hostileVariants(xmlReply);
    assert.ok(hostile.length >= 14);
    for (const [label, framed] of hostile) assert.equal(assertReadsAsDbusNext(framed, label), undefined, label);
  });

  test('thousands of random corruptions of real replies: read as dbus-next reads them, or left to it', () => {
    let seed = 13;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    let readHere = 0;
    for (let round = 0; round < 4000; round++) {
      const original = recorded[round % 3] as FramedMessage;
      const bytes = Buffer.concat([original.header, original.rest]);
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) {
        // Most flips land in the header and fields, where the lengths and names are.
        const position = random() < 0.7 ? Math.floor(random() * Math.min(bytes.length, 160)) : Math.floor(random() * bytes.length);
        bytes[position] = random() < 0.3 ? 0 : Math.floor(random() * 256);
      }
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      const framed = { header: bytes.subarray(0, 16), rest: bytes.subarray(16, Math.max(16, cut)) };
      if (assertReadsAsDbusNext(framed, `corruption ${round}`)) readHere++;
    }
    assert.ok(readHere > 100, `some corruptions stay well-formed (in the body's text) and are read here: ${readHere}`);
  });
});

/** Corruptions of a recorded string reply, each of which this reader must refuse. */
function hostileVariants({ header, rest }: FramedMessage): Array<[string, FramedMessage]> {
  const fieldsLength = header.readUInt32LE(12);
  const bodyStart = (fieldsLength + 7) & -8;
  const textStart = bodyStart + 4;
  /** `change` edits copies of the header and rest in place, or returns a shorter rest. */
  const variant = (label: string, change: (header: Buffer, rest: Buffer) => unknown): [string, FramedMessage] => {
    const newHeader = Buffer.from(header);
    const newRest = Buffer.from(rest);
    const shorter = change(newHeader, newRest);
    return [label, { header: newHeader, rest: Buffer.isBuffer(shorter) ? shorter : newRest }];
  };
  const base = { replySerial: 3, destination: ':1.7', sender: ':1.2' };
  return [
    variant('truncated by one byte', (_, r) => r.subarray(0, r.length - 1)),
    variant('truncated inside the fields', (_, r) => r.subarray(0, 10)),
    variant('big-endian byte order mark on little-endian data', (h) => {
      h[0] = 0x42;
    }),
    variant('an error, not a method return', (h) => {
      h[1] = 3;
    }),
    variant('protocol version 2', (h) => {
      h[3] = 2;
    }),
    variant('body length one short', (h) => {
      h.writeUInt32LE(h.readUInt32LE(4) - 1, 4);
    }),
    variant('string length one longer', (_, r) => {
      r.writeUInt32LE(r.readUInt32LE(bodyStart) + 1, bodyStart);
    }),
    variant('string length one shorter', (_, r) => {
      r.writeUInt32LE(r.readUInt32LE(bodyStart) - 1, bodyStart);
    }),
    variant('huge string length', (_, r) => {
      r.writeUInt32LE(0xffffffff, bodyStart);
    }),
    variant('huge fields length', (h) => {
      h.writeUInt32LE(0xfffffff0, 12);
    }),
    variant('NUL inside the text', (_, r) => {
      r[textStart + 3] = 0;
    }),
    variant('no NUL after the text', (_, r) => {
      r[r.length - 1] = 0x41;
    }),
    variant('invalid UTF-8 in the text', (_, r) => {
      r.fill(0xff, textStart + 2, textStart + 4);
    }),
    variant('an overlong UTF-8 encoding in the text', (_, r) => {
      r.set([0xc0, 0xaf], textStart + 2);
    }),
    ['a string and a number', marshalReply({ ...base, signature: 'su', body: ['x', 1] })],
    ['no sender', marshalReply({ ...base, sender: '', signature: 's', body: ['x'] })],
    ['a file descriptor field', withField(marshalReply({ ...base, signature: 's', body: ['x'] }), 9, 1)],
    ['a duplicate sender field', withField(marshalReply({ ...base, signature: 's', body: ['x'] }), 7, ':1.9')],
    ['the reply serial as a string', withField(marshalReply({ ...base, replySerial: 0, signature: 's', body: ['x'] }), 5, '3')],
  ];
}
