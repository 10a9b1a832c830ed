import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDomainXml, type DomainSpec } from '../../src/libvirt/domain-xml';
import { buildDhcpHostXml, buildNetworkXml, networkForwardProblem } from '../../src/libvirt/network-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../../src/libvirt/volume-xml';
import { buildSnapshotXml, parseSnapshotXml } from '../../src/libvirt/snapshot-xml';
import {
  buildVlmMetadataElement,
  buildVlmNetworkMetadataElement,
  madeByDataDirectory,
  parseVlmMetadataElement,
  vlmMetadataOfDomain,
  vlmMetadataOfNetwork,
} from '../../src/libvirt/vlm-metadata';
import { escapeXml } from '../../src/libvirt/xml-text';
import { child, childText, decodeEntities, descendants, parseXml } from '../../src/libvirt/xml-parse';
import { HypervisorError } from '../../src/libvirt/hypervisor';

/** The element a test goes on to inspect, failing the test when it is missing. */
function present<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `${what} is missing`);
  return value;
}

const hostile = `a'b"c<d>&e $(reboot) \`id\` ../../etc/passwd`;

const baseSpec: DomainSpec = {
  name: 'vlm-lab1-web',
  type: 'qemu',
  vcpu: 2,
  memoryMiB: 512,
  disk: { path: '/var/lib/vlm/disks/web.qcow2' },
  kernelBoot: { kernel: '/var/lib/vlm/images/vmlinuz', initrd: '/var/lib/vlm/images/initrd.gz', cmdline: 'console=ttyS0 quiet' },
  serialLogPath: '/var/log/vlm/web-serial.log',
  vncPort: 5901,
  vncPassword: 'Pa55word',
  networks: [{ network: 'vlm-lab1-lan' }],
  sshHostPort: 22022,
  vlm: { lab: 'lab1', vm: 'web' },
};

function refusesWithInvalidArgument(build: () => unknown, mentions: string): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof HypervisorError, `expected a HypervisorError, got ${String(error)}`);
    assert.equal(error.code, 'invalid-argument');
    assert.match(error.message, new RegExp(mentions));
    return true;
  });
}

test('escapeXml escapes all five XML specials and nothing else', () => {
  assert.equal(escapeXml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  assert.equal(escapeXml('$(rm -rf /) ../x'), '$(rm -rf /) ../x');
  refusesWithInvalidArgument(() => escapeXml('bell\u0007'), 'control characters');
});

test('domain XML has the disk, kernel boot, logged serial console, loopback VNC, lab NIC and metadata', () => {
  const domain = parseXml(buildDomainXml(baseSpec));
  assert.equal(domain.attributes.type, 'qemu');
  assert.equal(childText(domain, 'name'), 'vlm-lab1-web');
  assert.equal(childText(domain, 'vcpu'), '2');
  assert.equal(child(domain, 'memory')?.attributes.unit, 'MiB');
  const disk = present(descendants(domain, 'disk')[0], '<disk>');
  assert.equal(child(disk, 'driver')?.attributes.type, 'qcow2');
  assert.equal(child(disk, 'source')?.attributes.file, '/var/lib/vlm/disks/web.qcow2');
  assert.equal(childText(domain, 'os', 'kernel'), '/var/lib/vlm/images/vmlinuz');
  assert.equal(childText(domain, 'os', 'initrd'), '/var/lib/vlm/images/initrd.gz');
  assert.equal(childText(domain, 'os', 'cmdline'), 'console=ttyS0 quiet');
  const serial = present(child(domain, 'devices', 'serial'), '<serial>');
  assert.equal(serial.attributes.type, 'pty');
  assert.equal(child(serial, 'log')?.attributes.file, '/var/log/vlm/web-serial.log');
  const graphics = present(child(domain, 'devices', 'graphics'), '<graphics>');
  assert.equal(graphics.attributes.port, '5901');
  assert.equal(graphics.attributes.listen, '127.0.0.1');
  assert.equal(child(graphics, 'listen')?.attributes.address, '127.0.0.1');
  assert.equal(graphics.attributes.passwd, 'Pa55word');
  assert.equal(child(domain, 'devices', 'interface', 'source')?.attributes.network, 'vlm-lab1-lan');
  const metadata = present(child(domain, 'metadata', 'vlm:lab'), '<vlm:lab>');
  assert.deepEqual({ lab: metadata.attributes.lab, vm: metadata.attributes.vm }, { lab: 'lab1', vm: 'web' });
  assert.equal(child(domain, 'cpu'), undefined, "TCG guests keep QEMU's default CPU model");
});

test('SSH goes through QEMU user networking with restrict=on and a forward bound to 127.0.0.1 only', () => {
  const domain = parseXml(buildDomainXml(baseSpec));
  const args = descendants(domain, 'qemu:arg').map((arg) => arg.attributes.value);
  assert.deepEqual(args, [
    '-netdev',
    'user,id=vlmssh0,restrict=on,hostfwd=tcp:127.0.0.1:22022-:22',
    '-device',
    'virtio-net-pci,netdev=vlmssh0,bus=pci.0,addr=0x9',
  ]);
  assert.equal(domain.attributes['xmlns:qemu'], 'http://libvirt.org/schemas/domain/qemu/1.0');
  // Lab NICs are pinned away from the user-net slot.
  assert.notEqual(child(domain, 'devices', 'interface', 'address')?.attributes.slot, '0x09');
  assert.equal(buildDomainXml({ ...baseSpec, sshHostPort: undefined }).includes('qemu:commandline'), false);
});

test('UEFI domains boot OVMF through libvirt with their own NVRAM; BIOS ones name no firmware', () => {
  const domain = parseXml(buildDomainXml({ ...baseSpec, firmware: 'uefi', nvramPath: '/var/lib/vlm/nvram/lab1-web.fd' }));
  assert.equal(child(domain, 'os')?.attributes.firmware, 'efi');
  assert.deepEqual(child(domain, 'os', 'firmware', 'feature')?.attributes, { enabled: 'no', name: 'secure-boot' });
  assert.equal(childText(domain, 'os', 'nvram'), '/var/lib/vlm/nvram/lab1-web.fd');
  const bios = parseXml(buildDomainXml(baseSpec));
  assert.equal(child(bios, 'os')?.attributes.firmware, undefined);
  assert.equal(child(bios, 'os', 'nvram'), undefined);
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, nvramPath: '/var/lib/vlm/nvram/x.fd' }), 'NVRAM file is for UEFI');
  refusesWithInvalidArgument(
    () => buildDomainXml({ ...baseSpec, firmware: 'uefi', nvramPath: '/var/lib/vlm/../../etc/shadow' }),
    'Invalid NVRAM path',
  );
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, firmware: `efi'/><x` as 'uefi' }), 'Invalid firmware');
});

test('the SSH NIC carries the MAC the guest network-config names', () => {
  const xml = buildDomainXml({ ...baseSpec, sshMac: '52:54:00:AB:CD:EF' });
  assert.match(xml, /virtio-net-pci,netdev=vlmssh0,bus=pci\.0,addr=0x9,mac=52:54:00:ab:cd:ef'/);
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, sshMac: '52:54:00:ab:cd:ef,romfile=/etc/shadow' }), 'Invalid MAC');
});

test('KVM domains use the host CPU', () => {
  const domain = parseXml(buildDomainXml({ ...baseSpec, type: 'kvm' }));
  assert.equal(domain.attributes.type, 'kvm');
  assert.equal(child(domain, 'cpu')?.attributes.mode, 'host-passthrough');
});

test('hostile free text in the kernel command line comes out escaped and reads back unchanged', () => {
  const xml = buildDomainXml({ ...baseSpec, kernelBoot: { kernel: '/boot/vmlinuz', cmdline: hostile } });
  assert.ok(!xml.includes(hostile), 'the raw value must not appear unescaped');
  assert.ok(xml.includes('a&apos;b&quot;c&lt;d&gt;&amp;e $(reboot)'));
  assert.equal(childText(parseXml(xml), 'os', 'cmdline'), hostile);
});

test('hostile names, paths and numbers are refused with a specific error', () => {
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, name: hostile }), 'Invalid domain name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, name: '../etc' }), 'Invalid domain name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, name: 'a..b' }), 'Invalid domain name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, name: '$(reboot)' }), 'Invalid domain name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, disk: { path: '/var/lib/vlm/../../etc/shadow' } }), 'Invalid disk path');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, disk: { path: 'relative.qcow2' } }), 'Invalid disk path');
  // A comma would let a path inject QEMU options.
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, serialLogPath: '/tmp/x,server=on' }), 'Invalid serial log path');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, networks: [{ network: `lan'/><interface` }] }), 'Invalid network name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, vlm: { lab: `x" evil="1`, vm: 'web' } }), 'Invalid lab name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, vlm: { lab: 'lab1', vm: 'Web<' } }), 'Invalid vm name');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, sshHostPort: 22.5 }), 'Invalid SSH host port');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, vncPort: 80 }), 'Invalid VNC port');
  const { vncPassword: _none, ...withoutPassword } = baseSpec;
  refusesWithInvalidArgument(() => buildDomainXml(withoutPassword), 'A VNC display needs a password');
  for (const vncPassword of ['', 'longer-than-8', `x'/><a`, 'pass word']) {
    refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, vncPassword }), 'A VNC password is 1 to 8 letters or digits');
  }
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, vcpu: 0 }), 'Invalid vcpu count');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, type: 'xen' as 'kvm' }), 'Invalid domain type');
  refusesWithInvalidArgument(() => buildDomainXml({ ...baseSpec, uuid: `1'/><x` }), 'Invalid UUID');
  refusesWithInvalidArgument(
    () => buildDomainXml({ ...baseSpec, networks: [{ network: 'lan', mac: '52:54:00:zz:00:01' }] }),
    'Invalid MAC',
  );
});

test('VLM metadata element round-trips and carries only valid lab and VM names', () => {
  const element = buildVlmMetadataElement({ lab: 'lab-1', vm: 'db-2' });
  assert.deepEqual(parseVlmMetadataElement(element), { lab: 'lab-1', vm: 'db-2' });
  assert.equal(parseVlmMetadataElement('<other:thing/>'), undefined);
  assert.equal(parseVlmMetadataElement('not xml <'), undefined);
});

test("VLM's mark carries the data directory, escaped, in domains and networks; hostile values are refused", () => {
  const dataDirectory = `/srv/a"b<c>&'d`;
  const domain = buildDomainXml({ ...baseSpec, vlm: { lab: 'lab-1', vm: 'db-2', dataDirectory } });
  const parsed = vlmMetadataOfDomain(parseXml(domain));
  assert.deepEqual(parsed, { lab: 'lab-1', vm: 'db-2', dataDirectory });
  assert.equal(madeByDataDirectory(parsed, dataDirectory), true);
  assert.equal(madeByDataDirectory(parsed, '/srv/other'), false);
  assert.equal(
    madeByDataDirectory({ lab: 'lab-1', vm: 'db-2' } as never, dataDirectory),
    false,
    'a mark without a data directory proves nothing',
  );
  const network = buildNetworkXml({ name: 'lab-1.lan', vlm: { lab: 'lab-1', network: 'lan', dataDirectory } });
  assert.deepEqual(vlmMetadataOfNetwork(network), { lab: 'lab-1', network: 'lan', dataDirectory });
  assert.equal(vlmMetadataOfNetwork(buildNetworkXml({ name: 'lab-1.lan' })), undefined, 'an unmarked network');
  assert.equal(
    vlmMetadataOfNetwork(
      '<network><metadata><x:network xmlns:x="urn:other" lab="a" network="b" data-directory="/c"/></metadata></network>',
    ),
    undefined,
    "another namespace's element",
  );
  refusesWithInvalidArgument(
    () => buildVlmMetadataElement({ lab: 'lab-1', vm: 'db-2', dataDirectory: 'relative/dir' }),
    'Invalid data directory',
  );
  refusesWithInvalidArgument(() => buildVlmMetadataElement({ lab: 'lab-1', vm: 'db-2', dataDirectory: '/a\u0001b' }), 'control characters');
  refusesWithInvalidArgument(
    () => buildVlmNetworkMetadataElement({ lab: '../x', network: 'lan', dataDirectory: '/d' }),
    'Invalid lab name',
  );
});

test('network XML is isolated (no <forward>, DNS off), with host address and DHCP range from the CIDR', () => {
  const xml = buildNetworkXml({ name: 'vlm-lab1-lan', cidr: '10.20.30.0/24', dhcp: true });
  assert.equal(networkForwardProblem(xml), undefined);
  const network = parseXml(xml);
  assert.equal(childText(network, 'name'), 'vlm-lab1-lan');
  assert.equal(child(network, 'forward'), undefined);
  assert.deepEqual(child(network, 'dns')?.attributes, { enable: 'no' });
  assert.deepEqual(child(network, 'ip')?.attributes, { address: '10.20.30.1', netmask: '255.255.255.0' });
  assert.deepEqual(child(network, 'ip', 'dhcp', 'range')?.attributes, { start: '10.20.30.2', end: '10.20.30.254' });
  assert.equal(child(parseXml(buildNetworkXml({ name: 'bare' })), 'ip'), undefined);
});

test('network XML in NAT mode forwards with NAT and keeps DNS; only bare NAT forwarding may be defined', () => {
  const network = parseXml(buildNetworkXml({ name: 'lab1-out', cidr: '10.20.31.0/24', mode: 'nat', dhcp: true }));
  assert.deepEqual(child(network, 'forward')?.attributes, { mode: 'nat' });
  assert.equal(child(network, 'dns'), undefined);
  assert.equal(networkForwardProblem(buildNetworkXml({ name: 'lab1-out', cidr: '10.20.31.0/24', mode: 'nat' })), undefined);
  for (const forward of [
    `<forward mode='route'/>`,
    `<forward mode='bridge'/>`,
    `<forward mode='open'/>`,
    `<forward/>`,
    `<forward mode='nat' dev='eth0'/>`,
    `<forward mode='nat'><interface dev='eth0'/></forward>`,
  ]) {
    assert.match(networkForwardProblem(`<network><name>n</name>${forward}</network>`) ?? '', /only isolated networks/, forward);
  }
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', mode: 'nat' }), 'NAT needs a CIDR');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', cidr: '10.0.0.0/24', mode: 'route' as 'nat' }), 'invalid mode');
});

test('a fixed DHCP lease as XML: MAC, address and name checked', () => {
  assert.equal(
    buildDhcpHostXml({ mac: '52:54:00:AA:00:01', ip: '10.20.30.10', name: 'db' }),
    `<host mac='52:54:00:aa:00:01' name='db' ip='10.20.30.10'/>`,
  );
  assert.equal(buildDhcpHostXml({ mac: '52:54:00:aa:00:02', ip: '10.20.30.11' }), `<host mac='52:54:00:aa:00:02' ip='10.20.30.11'/>`);
  refusesWithInvalidArgument(() => buildDhcpHostXml({ mac: `52:54:00:aa:00:01'/><x`, ip: '10.20.30.10' }), 'Invalid MAC');
  refusesWithInvalidArgument(() => buildDhcpHostXml({ mac: '52:54:00:aa:00:01', ip: `10.20.30.10'/><x` }), 'not an IPv4 address');
  refusesWithInvalidArgument(() => buildDhcpHostXml({ mac: '52:54:00:aa:00:01', ip: '10.20.30.300' }), 'over 255');
  refusesWithInvalidArgument(
    () => buildDhcpHostXml({ mac: '52:54:00:aa:00:01', ip: '10.20.30.10', name: `a'/>` }),
    'Invalid DHCP host name',
  );
});

test('network XML refuses bad CIDRs and hostile names', () => {
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', cidr: '10.0.0.0/33' }), 'Invalid network CIDR');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', cidr: '300.0.0.0/24' }), 'Invalid network CIDR');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', cidr: '10.0.0.5/24' }), 'host bits');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', cidr: `10.0.0.0/24'/><forward mode='nat` }), 'Invalid network CIDR');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: 'lan', dhcp: true }), 'DHCP needs a CIDR');
  refusesWithInvalidArgument(() => buildNetworkXml({ name: `lan</name><forward mode='nat'/><name>x` }), 'Invalid network name');
});

test('volume XML: qcow2 over a backing image; hostile values refused', () => {
  const volume = parseXml(
    buildVolumeXml({
      name: 'web.qcow2',
      capacityBytes: 2 * 1024 ** 3,
      backingPath: '/var/lib/vlm/images/tiny.qcow2',
      backingFormat: 'qcow2',
    }),
  );
  assert.equal(childText(volume, 'name'), 'web.qcow2');
  assert.equal(childText(volume, 'capacity'), String(2 * 1024 ** 3));
  assert.equal(child(volume, 'target', 'format')?.attributes.type, 'qcow2');
  assert.equal(childText(volume, 'backingStore', 'path'), '/var/lib/vlm/images/tiny.qcow2');
  assert.equal(child(volume, 'backingStore', 'format')?.attributes.type, 'qcow2');
  // A raw base image is declared raw; the overlay itself stays qcow2.
  const overRaw = parseXml(
    buildVolumeXml({ name: 'web.qcow2', capacityBytes: 1024 ** 3, backingPath: '/var/lib/vlm/images/disk.raw', backingFormat: 'raw' }),
  );
  assert.equal(child(overRaw, 'backingStore', 'format')?.attributes.type, 'raw');
  assert.equal(child(overRaw, 'target', 'format')?.attributes.type, 'qcow2');
  // The backing format is never guessed.
  refusesWithInvalidArgument(
    () => buildVolumeXml({ name: 'v', capacityBytes: 1, backingPath: '/images/disk.qcow2' }),
    'Invalid backing image format',
  );
  refusesWithInvalidArgument(
    () => buildVolumeXml({ name: 'v', capacityBytes: 1, backingPath: '/images/disk', backingFormat: `raw'/><x` as 'raw' }),
    'Invalid backing image format',
  );
  refusesWithInvalidArgument(() => buildVolumeXml({ name: '../escape.qcow2', capacityBytes: 1 }), 'Invalid volume name');
  refusesWithInvalidArgument(() => buildVolumeXml({ name: 'v', capacityBytes: -5 }), 'Invalid volume capacity');
  refusesWithInvalidArgument(
    () => buildVolumeXml({ name: 'v', capacityBytes: 1, backingPath: '/images/../../root', backingFormat: 'raw' }),
    'Invalid backing image path',
  );
  refusesWithInvalidArgument(() => buildDirectoryPoolXml({ name: 'p', path: 'relative/dir' }), 'Invalid storage pool path');
  assert.equal(childText(parseXml(buildDirectoryPoolXml({ name: 'p', path: '/var/lib/vlm/pool' })), 'target', 'path'), '/var/lib/vlm/pool');
});

test("snapshot XML escapes the description and parses libvirt's answer", () => {
  const xml = buildSnapshotXml({ name: 'before-upgrade', description: hostile });
  assert.ok(!xml.includes(hostile));
  assert.equal(childText(parseXml(xml), 'description'), hostile);
  refusesWithInvalidArgument(() => buildSnapshotXml({ name: `s'/><x` }), 'Invalid snapshot name');
  const parsed = parseSnapshotXml(
    `<domainsnapshot><name>s2</name><description>a &amp; b</description><state>shutoff</state><parent><name>s1</name></parent><creationTime>1700000000</creationTime><domain/></domainsnapshot>`,
    true,
  );
  assert.deepEqual(parsed, {
    name: 's2',
    description: 'a & b',
    createdAt: '2023-11-14T22:13:20.000Z',
    domainState: 'shut-off',
    current: true,
    parent: 's1',
  });
});

test('parseXml with stopAt reads what comes before the first such child of the document element, and only that', () => {
  const xml =
    '<domain type="qemu"><name>a&amp;b</name><uuid>u-1</uuid>' +
    '<metadata><note><![CDATA[<devices>not an element</devices>]]></note><devices note="nested, not a stop"/></metadata>' +
    '<vcpu>2</vcpu><devices><disk type="file"/></devices><seclabel type="none"/></domain>';
  const head = parseXml(xml, 'devices');
  const whole = parseXml(xml);
  assert.deepEqual(
    head.children.map((element) => element.name),
    ['name', 'uuid', 'metadata', 'vcpu'],
  );
  assert.deepEqual(head.children, whole.children.slice(0, 4), 'the elements read are the same as in a whole parse');
  assert.equal(childText(head, 'name'), 'a&b');
  assert.equal(child(head, 'metadata', 'note')?.text, '<devices>not an element</devices>');
  // Without the stop, the reader still checks the whole document.
  assert.throws(() => parseXml('<domain><name>x</name><devices><disk></devices></domain>'), /closes/);
  assert.equal(childText(parseXml('<domain><name>x</name><devices><disk></devices></domain>', 'devices'), 'name'), 'x');
});

test('parseXml reads markup only at a real tag: a stray < is skipped, an unclosed comment is text, a PI may hold tags', () => {
  assert.equal(parseXml('<a>1 < 2 &amp; <!-- 3</a>').text, '1  2 & !-- 3');
  assert.equal(parseXml('<a><?pi <b>?>t<![CDATA[<c>]]></a>').text, 't<c>');
  assert.throws(() => parseXml("<a>x<b c='1' d>y</b></a>"), /<\/b> closes <a>/, 'a tag with a bare attribute is not a tag');
  assert.throws(() => parseXml('<a></a></#document>x'), /more closing tags than opening ones/);
  const head = parseXml(
    '<domain><name>n</name><metadata><x:m xmlns:x="urn:x"><os/></x:m></metadata><vcpu>1</vcpu><os><type/></os></domain>',
    'os',
  );
  assert.deepEqual(
    head.children.map((element) => element.name),
    ['name', 'metadata', 'vcpu'],
    'an <os> inside the metadata does not stop the reading',
  );
});

test('decodeEntities leaves text without entities as it is and decodes the rest', () => {
  assert.equal(decodeEntities('\n    plain text, no entity\n'), '\n    plain text, no entity\n');
  assert.equal(decodeEntities('a &lt;b&gt; &#65;&#x42; &unknown;'), 'a <b> AB &unknown;');
});
