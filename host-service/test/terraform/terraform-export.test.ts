// The Terraform export, checked the three ways that work without Terraform: parsed back and
// compared with the lab, every attribute path against the provider's list at v0.9.7, and the
// domain and network blocks mapped to libvirt XML and validated by virt-xml-validate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '@vlm/schemas';
import { mergeCloudConfig } from '../../src/deploy/cloud-config';
import { nicMac } from '../../src/deploy/lab-addresses';
import type { ImageFiles } from '../../src/images/image-store';
import { exportTerraform, providerVersion, type TerraformExportInput } from '../../src/terraform/terraform-export';
import { literalOfTemplate, resourceLabel, templateLiteral } from '../../src/terraform/terraform-strings';
import { attributeProblems, domainXmlOf, evaluate, networkXmlOf, sinceOf, validateXml } from './provider-rules';

/** A `$`, so the hostile `${` sequences below read as what they are. */
const d = '$';

const hostileCloudInit = [
  '#cloud-config',
  'runcmd:',
  `  - echo "${d}{HOME} and %{ if x }y%{ endif } and 'single' \\"double\\"" > /tmp/out`,
  `  - echo ${d}${d}{already} %%{escaped}`,
  'write_files:',
  '  - path: /etc/motd',
  `    content: "}}\\u0000-free ${d}{"`,
].join('\n');

function sampleLab(): Lab {
  return {
    name: '3tier',
    description: `three ${d}{tiers} %{ here }`,
    tags: ['net'],
    networks: [
      { name: 'lan', cidr: '10.30.1.0/24' },
      { name: 'out', cidr: '10.30.2.0/24', mode: 'nat', dhcp: false },
    ],
    vms: [
      {
        name: '1st',
        description: `front "door" ${d}{x}`,
        vcpu: 2,
        ram_mb: 512,
        disk_gb: 4,
        os_image: 'vlm-tiny',
        networks: ['lan', { name: 'out', ip: '10.30.2.10' }],
        depends_on: ['db'],
        autostart: true,
        ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBzcq2Vt0gn8JQZ8fy4GI6uWfvxGv8XTTjZ9DA0w3ZLx user@example'],
        cloud_init: hostileCloudInit,
        ansible_config_yaml: '- hosts: all\n  tasks: []\n',
      },
      {
        name: 'db',
        vcpu: 1,
        ram_mb: 256,
        disk_gb: 2,
        os_image: 'debian-12',
        networks: [{ name: 'lan', ip: '10.30.1.20' }],
        firmware: 'uefi',
      },
    ],
  } as Lab;
}

function sampleInput(lab: Lab = sampleLab()): TerraformExportInput {
  const images = new Map<string, ImageFiles | undefined>([
    [
      'vlm-tiny',
      { disk: '/data/images/vlm-tiny/disk.qcow2', diskFormat: 'qcow2', kernel: '/data/images/vlm-tiny/vmlinuz', cmdline: 'console=ttyS0' },
    ],
    ['debian-12', undefined],
  ]);
  const record = {
    name: lab.name,
    status: 'running',
    definition: lab,
    createdAt: '',
    updatedAt: '',
    resources: {
      domains: lab.vms.map((vm) => ({ name: `${lab.name}.${vm.name}`, vm: vm.name })),
      volumes: [],
      networks: [],
      ports: [
        { kind: 'ssh', port: 40022, vm: '1st' },
        { kind: 'vnc', port: 5911, vm: '1st' },
        { kind: 'ssh', port: 40023, vm: 'db' },
      ],
    },
    deployLog: [],
  } as unknown as TerraformExportInput['record'];
  return { lab, record, volumePool: 'vlm-0123abcd', domainType: 'kvm', images, nvramPathFor: (domain) => `/data/nvram/${domain}.fd` };
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** The value at a dotted path (numbers index lists) of a parsed document. */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((item, key) => (item as Record<string, unknown> | undefined)?.[key], value);
}

test('template escapes: every dollar-brace and percent-brace written doubled, and undone exactly', () => {
  for (const text of [`${d}{a}`, '%{ if }', `${d}${d}{a}`, '%%{a}', 'plain', '$ {', '%', '$$', `${d}{${d}{`, '']) {
    assert.equal(literalOfTemplate(templateLiteral(text)), text);
    assert.doesNotMatch(templateLiteral(text).replace(/\$\$\{|%%\{/g, ''), /\$\{|%\{/);
  }
  assert.equal(resourceLabel('vm', '1st'), 'vm_1st');
  for (const hostile of ['a"b', 'a.b', '../x', 'a b', `${d}{x}`, 'A', '-a', 'a\nb', ''])
    assert.throws(() => resourceLabel('vm', hostile), /not a valid lab name/);
});

test('check 1: main.tf.json parses back to the lab: names, sizes, networks, addresses, ports, cloud-init', () => {
  const lab = sampleLab();
  const exported = exportTerraform(sampleInput(lab));
  const document = JSON.parse(exported.text) as Record<string, unknown>;
  assert.deepEqual(document, exported.document);
  assert.deepEqual((document.terraform as Record<string, unknown>).required_providers, {
    libvirt: { source: 'dmacvicar/libvirt', version: providerVersion },
  });
  assert.equal(providerVersion, '~> 0.9.7');
  const value = evaluate(document, { vnc_password_1st: 'secret1' });
  const resource = value(document.resource) as Resources;
  const domain = resource.libvirt_domain?.vm_1st;
  const field = (path: string) => at(domain, path);
  assert.equal(field('name'), '3tier.1st');
  assert.equal(field('description'), `front "door" ${d}{x}`);
  assert.deepEqual(['memory', 'memory_unit', 'vcpu', 'autostart', 'running'].map(field), [512, 'MiB', 2, true, true]);
  assert.deepEqual(field('devices.disks.0.source'), { volume: { pool: 'vlm-0123abcd', volume: '3tier.1st.qcow2' } });
  assert.deepEqual(field('devices.disks.1.source'), { volume: { pool: 'vlm-0123abcd', volume: '3tier.1st.seed.iso' } });
  assert.deepEqual(
    [0, 1].map((index) => [field(`devices.interfaces.${index}.source.network.network`), field(`devices.interfaces.${index}.mac.address`)]),
    [
      ['3tier.lan', nicMac('3tier', '1st', 0)],
      ['3tier.out', nicMac('3tier', '1st', 1)],
    ],
  );
  assert.deepEqual(field('devices.graphics.0.vnc'), { port: 5911, auto_port: false, listen: '127.0.0.1', passwd: 'secret1' });
  assert.match(String(field('qemu_commandline.args.1.value')), /^user,id=vlmssh0,restrict=on,hostfwd=tcp:127\.0\.0\.1:40022-:22$/);
  assert.deepEqual(at(document, 'resource.libvirt_domain.vm_1st.depends_on'), ['libvirt_domain.vm_db']);
  const disk = resource.libvirt_volume?.disk_1st;
  assert.deepEqual(
    ['capacity', 'backing_store.path', 'backing_store.format.type'].map((path) => at(disk, path)),
    [4 * 1024 ** 3, '/data/images/vlm-tiny/disk.qcow2', 'qcow2'],
  );
  const cloudinit = resource.libvirt_cloudinit_disk?.cloudinit_1st as Record<string, string>;
  // The hostile cloud-init comes back byte for byte, inside the user-data the deployer writes.
  assert.equal(
    cloudinit.user_data,
    mergeCloudConfig({ hostname: '1st', sshAuthorizedKeys: lab.vms[0]?.ssh_authorized_keys ?? [], cloudInit: hostileCloudInit }),
  );
  assert.match(cloudinit.network_config ?? '', /macaddress: "52:54:00/);
  const out = resource.libvirt_network?.net_out;
  assert.deepEqual(
    ['name', 'forward', 'ips.0.address', 'ips.0.netmask', 'ips.0.dhcp'].map((path) => at(out, path)),
    ['3tier.out', { mode: 'nat' }, '10.30.2.1', '255.255.255.0', undefined],
  );
  const lan = resource.libvirt_network?.net_lan;
  assert.deepEqual(at(lan, 'ips.0.dhcp.hosts'), [{ mac: nicMac('3tier', 'db', 0), name: 'db', ip: '10.30.1.20' }]);
  assert.deepEqual(at(lan, 'dns'), { enable: 'no' });
  assert.equal(at(lan, 'autostart'), true, 'an autostarted VM needs its network up at boot');
});

test('check 1: the raw file has no unescaped template sequence outside its references, and no secret', () => {
  const exported = exportTerraform(sampleInput());
  const strings: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') strings.push(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) collect(item);
  };
  collect(exported.document);
  for (const text of strings) {
    const withoutReferences = text.replace(/^\$\{(var|libvirt_[a-z_]+)\.[A-Za-z0-9_.-]+\}$/, '');
    assert.doesNotMatch(withoutReferences.replace(/\$\$\{|%%\{/g, ''), /\$\{|%\{/, `unescaped in ${JSON.stringify(text)}`);
  }
  assert.ok(strings.some((text) => text.includes(`${d}${d}{HOME}`) && text.includes('%%{ if x }')));
  assert.ok(
    strings.some((text) => text.includes(`${d}${d}${d}{already}`)),
    'an already-doubled dollar-brace is escaped again',
  );
  assert.equal(at(exported.document, 'variable.vnc_password_1st.sensitive'), true);
  assert.doesNotMatch(exported.text, /"passwd": "[^$]/, 'no VNC password is written into the file');
});

test('check 1: what the provider cannot say is in the "//" comment and the returned list, never dropped', () => {
  const exported = exportTerraform(sampleInput());
  const comment = exported.document['//'] as string;
  const expected = [
    /lab field tags/,
    /vm 1st: ansible_config_yaml is not exported/,
    /vm 1st: serial console/,
    /vm 1st: lab NICs at fixed PCI slots/,
    /vm 1st: depends_on only orders creation/,
    /vm 1st: the VNC password is not exported/,
    /vm db: image debian-12 is not on this host/,
    /vm db: VLM's own lab SSH key/,
  ];
  for (const pattern of expected) {
    assert.ok(
      exported.unexpressed.some((line) => pattern.test(line)),
      `listed: ${pattern}`,
    );
    assert.match(comment, pattern);
  }
  const db = (exported.document.resource as Resources).libvirt_volume?.disk_db;
  assert.equal(db?.backing_store, undefined, 'no made-up base image path');
});

test('check 2: every attribute path exists at v0.9.7 with the right type; required ones are set; qemu_commandline needs 0.9.5', () => {
  const exported = exportTerraform(sampleInput());
  const resource = exported.document.resource as Resources;
  const problems: string[] = [];
  let blocks = 0;
  for (const [kind, bodies] of Object.entries(resource)) {
    for (const body of Object.values(bodies)) {
      blocks += 1;
      problems.push(...attributeProblems(kind, body));
    }
  }
  assert.deepEqual(problems, []);
  assert.equal(blocks, 2 + 2 + 4 + 2);
  assert.equal(sinceOf('libvirt_domain', 'qemu_commandline.args.value'), 'v0.9.5');
  // The checker itself refuses what the provider would.
  assert.match(
    attributeProblems('libvirt_domain', { name: 'x', type: 'kvm', vcpu: { placement: 'static' } }).join(),
    /vcpu should be Number/,
  );
  assert.match(
    attributeProblems('libvirt_domain', { name: 'x', type: 'kvm', devices: { disks: [{ type: 'file' }] } }).join(),
    /devices\.disks\.type is not an attribute/,
  );
  assert.match(attributeProblems('libvirt_volume', { pool: 'p' }).join(), /required name is missing/);
});

test('check 3: domain and network blocks, mapped to libvirt XML by the provider rules, pass virt-xml-validate', async () => {
  const exported = exportTerraform(sampleInput());
  const value = evaluate(exported.document, { vnc_password_1st: 'secret1' });
  const resource = value(exported.document.resource) as Resources;
  for (const [label, body] of Object.entries(resource.libvirt_domain ?? {})) {
    const xml = domainXmlOf(body);
    const verdict = await validateXml(xml, 'domain');
    assert.ok(verdict.ok, `${label}: ${verdict.output}\n${xml}`);
  }
  for (const [label, body] of Object.entries(resource.libvirt_network ?? {})) {
    const xml = networkXmlOf(body);
    const verdict = await validateXml(xml, 'network');
    assert.ok(verdict.ok, `${label}: ${verdict.output}\n${xml}`);
  }
  const db = domainXmlOf(resource.libvirt_domain?.vm_db as Record<string, unknown>);
  assert.match(db, /<os firmware='efi'>/);
  assert.match(db, /<nvram>\/data\/nvram\/3tier\.db\.fd<\/nvram>/);
  // The validator is a real check: a broken mapping fails it.
  const broken = await validateXml(
    domainXmlOf({ ...(resource.libvirt_domain?.vm_db as object), memory_unit: undefined, vcpu: 'many' }),
    'domain',
  );
  assert.equal(broken.ok, false);
});

test('a lab part name that is no DNS label is refused before anything is written', () => {
  for (const name of ['a"b', 'x}', '../etc', 'a.b', 'UPPER']) {
    const lab = sampleLab();
    (lab.vms[1] as { name: string }).name = name;
    assert.throws(() => exportTerraform(sampleInput(lab)), /Refusing/);
  }
});
