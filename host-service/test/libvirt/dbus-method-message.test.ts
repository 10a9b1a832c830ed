// The hand-marshalled method calls against dbus-next's own marshaller: the same bytes, or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import dbus from 'dbus-next';
import { type MethodCallFields, marshalMethodCall } from '../../src/libvirt/dbus-method-message';

/** dbus-next's marshaller, the reference the bytes must equal. */
const { marshall } = createRequire(__filename)('dbus-next/lib/message') as { marshall(message: dbus.Message): [Buffer, unknown[]] };

function dbusNextBytes(serial: number, fields: MethodCallFields): Buffer {
  const message = new dbus.Message({ ...fields, signature: fields.signature ?? '', body: fields.body ?? [] });
  message.serial = serial;
  return marshall(message)[0];
}

const domain = {
  destination: 'org.libvirt',
  path: '/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f',
  interface: 'org.libvirt.Domain',
};

test('method calls marshal to the bytes dbus-next writes', () => {
  const calls: MethodCallFields[] = [
    { ...domain, member: 'GetXMLDesc', signature: 'u', body: [0] },
    { ...domain, member: 'Create' },
    { ...domain, member: 'GetMetadata', signature: 'isu', body: [2, 'urn:vlm:libvirt-metadata:1', 0] },
    { ...domain, member: 'GetStats', signature: 'uu', body: [0xffffffff, 7] },
    { ...domain, member: 'SetTime', signature: 'iu', body: [-0x80000000, 0] },
    { ...domain, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: ['org.libvirt.Domain', 'Name'] },
    {
      ...domain,
      path: '/org/libvirt/Test',
      interface: 'org.libvirt.Connect',
      member: 'DomainLookupByName',
      signature: 's',
      body: ['lab-vm'],
    },
    // Multi-byte characters, an emptied string, a long one: lengths count bytes, not characters.
    { ...domain, member: 'DomainDefineXML', signature: 's', body: ['<domain><name>é—日本😀</name></domain>'] },
    { ...domain, member: 'DomainDefineXML', signature: 's', body: [''] },
    // Lone surrogates (no valid UTF-8): both write the replacement character.
    { ...domain, member: 'DomainDefineXML', signature: 's', body: ['a\uD800b\uDFFFc'] },
    { ...domain, member: 'DomainDefineXML', signature: 'su', body: ['x'.repeat(70_000), 3] },
    { ...domain, destination: ':1.42', member: 'GetXMLDesc', signature: 'u', body: [2] },
  ];
  for (const [index, call] of calls.entries()) {
    const serial = 1 + index * 1_000_003;
    assert.deepEqual(marshalMethodCall(serial, call), dbusNextBytes(serial, call), `${call.member}(${call.signature ?? ''})`);
  }
});

test('calls not marshalled here are left to dbus-next: other types, bad values, bad names', () => {
  const refused: MethodCallFields[] = [
    { ...domain, member: 'SetAutostart', signature: 'ssv', body: ['org.libvirt.Domain', 'Autostart', new dbus.Variant('b', true)] },
    { ...domain, member: 'Lookup', signature: 'o', body: ['/a'] },
    { ...domain, member: 'Lookup', signature: 's', body: ['nul\0inside'] },
    { ...domain, member: 'Lookup', signature: 's', body: [42] },
    { ...domain, member: 'Lookup', signature: 'u', body: [-1] },
    { ...domain, member: 'Lookup', signature: 'u', body: [2 ** 32] },
    { ...domain, member: 'Lookup', signature: 'i', body: [1.5] },
    { ...domain, member: 'Lookup', signature: 'uu', body: [1] },
    { ...domain, member: 'Lookup', body: ['unexpected'] },
    { ...domain, path: '/org/libvirt/../etc', member: 'GetXMLDesc', signature: 'u', body: [0] },
    { ...domain, path: 'relative/path', member: 'GetXMLDesc', signature: 'u', body: [0] },
    { ...domain, interface: 'no-dots', member: 'GetXMLDesc', signature: 'u', body: [0] },
    { ...domain, member: 'Get.XML', signature: 'u', body: [0] },
    { ...domain, destination: 'org..libvirt', member: 'GetXMLDesc', signature: 'u', body: [0] },
  ];
  for (const call of refused)
    assert.equal(
      marshalMethodCall(1, call),
      undefined,
      JSON.stringify(call, (_, value) => (value instanceof dbus.Variant ? 'variant' : value)),
    );
});
