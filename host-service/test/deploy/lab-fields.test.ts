// Every lab field reaches libvirt, checked through the real vlm-host on libvirt's test driver: a
// `nat` network is a NAT network and an isolated one answers no DNS, a static `ip` is a fixed
// DHCP lease for the MAC the domain's NIC has, `autostart` sets the domain (and its networks) to
// start with the host, `firmware: uefi` gives OVMF, an image of the host's own catalog is
// accepted, and networks that overlap reserved ranges or another lab's network are refused at
// plan time. The test driver boots nothing, so no traffic goes anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostErrorCode, LabsApplyRequest, LabsDestroyRequest, LabsPlanRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { child, descendants, parseXml } from '../../src/libvirt/xml-parse';
import { rejectsWithHostError } from '../api/host-process';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

/** An image only this host's catalog has. */
const hostCatalog = {
  images: [
    {
      name: 'site-image',
      title: 'An image of this host only',
      os: 'linux',
      default_user: 'root',
      min_ram_mb: 64,
      min_disk_gb: 1,
      cloud_init: true,
      source: { kind: 'download', url: 'http://127.0.0.1:9/site-image.raw', checksum_url: 'http://127.0.0.1:9/SHA256SUMS', format: 'raw' },
    },
  ],
};

function fieldsLab(): Lab {
  return {
    name: 'fld-lab',
    networks: [
      { name: 'out', cidr: '10.71.1.0/24', mode: 'nat' },
      { name: 'lan', cidr: '10.71.2.0/24' },
    ],
    vms: [
      {
        name: 'db',
        vcpu: 1,
        ram_mb: 128,
        disk_gb: 1,
        os_image: 'site-image',
        networks: [{ name: 'lan', ip: '10.71.2.10' }, 'out'],
        autostart: true,
        firmware: 'uefi',
      },
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
    ],
  };
}

/** fieldsLab() with VM `index` changed. */
function fieldsLabWith(index: number, changes: Partial<Lab['vms'][number]>): Lab {
  const lab = fieldsLab();
  lab.vms = lab.vms.map((vm, at) => (at === index ? { ...vm, ...changes } : vm));
  return lab;
}

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'lab-fields', startHost: false });
  await mkdir(fixture.dataDirectory, { recursive: true });
  await writeFile(join(fixture.dataDirectory, 'image-catalog.json'), JSON.stringify(hostCatalog));
  await fixture.restart();
});

after(async () => {
  await fixture?.dispose();
});

describe('lab fields on the libvirt test driver', () => {
  test('nat, isolated, static ip, autostart, uefi and a host catalog image all reach libvirt', async () => {
    const { client, hypervisor, dataDirectory } = fixture;
    await client.sendRequest(LabsApplyRequest.type, { lab: fieldsLab() });

    const out = parseXml(await hypervisor.getNetworkXml('fld-lab.out'));
    assert.deepEqual(child(out, 'forward')?.attributes, { mode: 'nat' });
    assert.equal(child(out, 'dns'), undefined);
    const lan = parseXml(await hypervisor.getNetworkXml('fld-lab.lan'));
    assert.equal(child(lan, 'forward'), undefined);
    assert.deepEqual(child(lan, 'dns')?.attributes, { enable: 'no' });

    // The static address is a fixed lease for exactly the MAC of db's NIC on that network.
    const db = parseXml(await hypervisor.getDomainXml('fld-lab.db'));
    const nics = descendants(db, 'interface').map((nic) => ({
      network: child(nic, 'source')?.attributes.network,
      mac: child(nic, 'mac')?.attributes.address,
    }));
    assert.deepEqual(
      nics.map((nic) => nic.network),
      ['fld-lab.lan', 'fld-lab.out'],
    );
    const leases = descendants(lan, 'host').map((element) => element.attributes);
    assert.deepEqual(leases, [{ mac: nics[0]?.mac, name: 'db', ip: '10.71.2.10' }]);

    // autostart: the domain, and the networks it needs at host boot; web asked for nothing.
    assert.equal((await hypervisor.getDomain('fld-lab.db'))?.autostart, true);
    assert.equal((await hypervisor.getDomain('fld-lab.web'))?.autostart, false);
    const networks = new Map((await hypervisor.listNetworks()).map((network) => [network.name, network.autostart]));
    assert.equal(networks.get('fld-lab.lan'), true);
    assert.equal(networks.get('fld-lab.out'), true);

    // uefi: OVMF through libvirt's firmware selection, with the NVRAM in the data directory.
    assert.equal(child(db, 'os')?.attributes.firmware, 'efi');
    assert.match(descendants(db, 'nvram')[0]?.text ?? '', new RegExp(`^${join(dataDirectory, 'nvram')}/fld-lab\\.db\\.fd$`));
    assert.equal(child(parseXml(await hypervisor.getDomainXml('fld-lab.web')), 'os')?.attributes.firmware, undefined);

    // A changed address moves the lease with the replaced VM.
    const moved = fieldsLabWith(0, { networks: [{ name: 'lan', ip: '10.71.2.20' }, 'out'] });
    await client.sendRequest(LabsApplyRequest.type, { lab: moved });
    const movedLeases = descendants(parseXml(await hypervisor.getNetworkXml('fld-lab.lan')), 'host').map(
      (element) => element.attributes.ip,
    );
    assert.deepEqual(movedLeases, ['10.71.2.20']);

    await client.sendRequest(LabsDestroyRequest.type, { name: 'fld-lab' });
    assert.equal(
      (await hypervisor.listNetworks()).some((network) => network.name.startsWith('fld-lab.')),
      false,
    );
  });
});

describe('lab fields the host refuses, on the libvirt test driver', () => {
  test('a static address on the host address, twice in a network, or outside it is refused with its field', async () => {
    const { client } = fixture;
    const hostAddress = fieldsLabWith(0, { networks: [{ name: 'lan', ip: '10.71.2.1' }] });
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: hostAddress }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/0/networks/0/ip',
      message: /10\.71\.2\.1 is the host's own address on network 'lan' \(10\.71\.2\.0\/24\)/,
    });
    const twice = fieldsLabWith(1, { networks: [{ name: 'lan', ip: '10.71.2.10' }] });
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: twice }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0/ip',
      message: /10\.71\.2\.10 on network "lan" is also given to VM "db"/,
    });
  });

  test('an image neither catalog has is refused, naming the host catalog', async () => {
    const { client } = fixture;
    const unknown = fieldsLabWith(0, { os_image: 'nowhere-image' });
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: unknown }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/0/os_image',
      message: /unknown image "nowhere-image"; this host's catalog has: debian-12, ubuntu-24\.04, vlm-tiny, site-image/,
    });
  });

  test("networks on loopback, link-local or multicast ranges, or over another lab's network, are refused at plan time", async () => {
    const { client } = fixture;
    for (const [cidr, named] of [
      ['127.0.0.0/8', /loopback/],
      ['169.254.1.0/24', /link-local/],
      ['224.1.0.0/16', /multicast/],
    ] as const) {
      const reserved = fieldsLabWith(0, { networks: ['lan'] });
      reserved.networks = reserved.networks?.map((network) => (network.name === 'lan' ? { ...network, cidr } : network));
      await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: reserved }), HostErrorCode.InvalidLab, {
        field: '/lab/networks/1/cidr',
        message: named,
      });
    }

    await client.sendRequest(LabsApplyRequest.type, { lab: fieldsLab() });
    try {
      // Another lab, on a range inside this lab's (deployed) "lan".
      const other: Lab = {
        name: 'fld-other',
        networks: [{ name: 'net', cidr: '10.71.0.0/16' }],
        vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['net'] }],
      };
      await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: other }), HostErrorCode.AlreadyExists, {
        field: '/lab/networks/0/cidr',
        message: /10\.71\.0\.0\/16 overlaps network "out" \(10\.71\.1\.0\/24\) of lab "fld-lab"/,
      });
      await rejectsWithHostError(client.sendRequest(LabsApplyRequest.type, { lab: other }), HostErrorCode.AlreadyExists, {
        field: '/lab/networks/0/cidr',
        message: /of lab "fld-lab"/,
      });
      // A libvirt network no lab records (another vlm-host's, or the user's) counts too.
      await rejectsWithHostError(
        client.sendRequest(LabsPlanRequest.type, { lab: { ...other, networks: [{ name: 'net', cidr: '192.168.122.0/24' }] } }),
        HostErrorCode.AlreadyExists,
        { field: '/lab/networks/0/cidr', message: /overlaps libvirt network "default" \(192\.168\.122\.0\/24\)/ },
      );
      // The lab itself is not in its own way: planning it again is fine.
      assert.deepEqual((await client.sendRequest(LabsPlanRequest.type, { lab: fieldsLab() })).steps, []);
    } finally {
      await client.sendRequest(LabsDestroyRequest.type, { name: 'fld-lab' });
    }
  });
});
