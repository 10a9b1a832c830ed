// Every lab field reaches libvirt, checked through the real vlm-host on libvirt's test driver: a
// `nat` network is a NAT network and an isolated one answers no DNS, a static `ip` is a fixed
// DHCP lease for the MAC the domain's NIC has, `autostart` sets the domain (and its networks) to
// start with the host, `firmware: uefi` gives OVMF, an image of the host's own catalog is
// accepted, and networks that overlap reserved ranges or another lab's network are refused at
// plan time. The test driver boots nothing, so no traffic goes anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostErrorCode, LabsApplyRequest, LabsDestroyRequest, LabsPlanRequest } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { child, descendants, parseXml } from '../../src/libvirt/xml-parse';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { buildHostBundle, connectClient, rejectsWithHostError, startHost, type HostProcess } from '../api/host-process';
import type { Client } from '../support/host-fixture';

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
      { name: 'db', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'site-image', networks: [{ name: 'lan', ip: '10.71.2.10' }, 'out'], autostart: true, firmware: 'uefi' },
      { name: 'web', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['lan'] },
    ],
  };
}

describe('lab fields on the libvirt test driver', () => {
  let environment: LibvirtTestEnvironment;
  let hypervisor: Hypervisor;
  let work: string;
  let host: HostProcess;
  let client: Client;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vlm-lab-fields-'));
    const bundle = await buildHostBundle(work);
    environment = await startLibvirtTestEnvironment();
    hypervisor = await connectLibvirt({ driver: 'test', busAddress: environment.busAddress, pollIntervalMs: 60_000 });
    const dataDirectory = join(work, 'data');
    await mkdir(dataDirectory, { recursive: true });
    await writeFile(join(dataDirectory, 'image-catalog.json'), JSON.stringify(hostCatalog));
    host = await startHost({ bundle, socketPath: join(work, 'vlm-host.sock'), dataDirectory, busAddress: environment.busAddress });
    client = await connectClient(host.socketPath);
  });

  after(async () => {
    client?.close();
    await host?.stop();
    await hypervisor?.close();
    await environment?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('nat, isolated, static ip, autostart, uefi and a host catalog image all reach libvirt', async () => {
    await client.sendRequest(LabsApplyRequest.type, { lab: fieldsLab() });

    const out = parseXml(await hypervisor.getNetworkXml('fld-lab.out'));
    assert.deepEqual(child(out, 'forward')?.attributes, { mode: 'nat' });
    assert.equal(child(out, 'dns'), undefined);
    const lan = parseXml(await hypervisor.getNetworkXml('fld-lab.lan'));
    assert.equal(child(lan, 'forward'), undefined);
    assert.deepEqual(child(lan, 'dns')?.attributes, { enable: 'no' });

    // The static address is a fixed lease for exactly the MAC of db's NIC on that network.
    const db = parseXml(await hypervisor.getDomainXml('fld-lab.db'));
    const nics = descendants(db, 'interface').map((nic) => ({ network: child(nic, 'source')?.attributes['network'], mac: child(nic, 'mac')?.attributes['address'] }));
    assert.deepEqual(nics.map((nic) => nic.network), ['fld-lab.lan', 'fld-lab.out']);
    const leases = descendants(lan, 'host').map((element) => element.attributes);
    assert.deepEqual(leases, [{ mac: nics[0]!.mac, name: 'db', ip: '10.71.2.10' }]);

    // autostart: the domain, and the networks it needs at host boot; web asked for nothing.
    assert.equal((await hypervisor.getDomain('fld-lab.db'))?.autostart, true);
    assert.equal((await hypervisor.getDomain('fld-lab.web'))?.autostart, false);
    const networks = new Map((await hypervisor.listNetworks()).map((network) => [network.name, network.autostart]));
    assert.equal(networks.get('fld-lab.lan'), true);
    assert.equal(networks.get('fld-lab.out'), true);

    // uefi: OVMF through libvirt's firmware selection, with the NVRAM in the data directory.
    assert.equal(child(db, 'os')?.attributes['firmware'], 'efi');
    assert.match(descendants(db, 'nvram')[0]?.text ?? '', new RegExp(`^${join(work, 'data', 'nvram')}/fld-lab\\.db\\.fd$`));
    assert.equal(child(parseXml(await hypervisor.getDomainXml('fld-lab.web')), 'os')?.attributes['firmware'], undefined);

    // A changed address moves the lease with the replaced VM.
    const moved = fieldsLab();
    moved.vms[0]!.networks = [{ name: 'lan', ip: '10.71.2.20' }, 'out'];
    await client.sendRequest(LabsApplyRequest.type, { lab: moved });
    const movedLeases = descendants(parseXml(await hypervisor.getNetworkXml('fld-lab.lan')), 'host').map((element) => element.attributes['ip']);
    assert.deepEqual(movedLeases, ['10.71.2.20']);

    await client.sendRequest(LabsDestroyRequest.type, { name: 'fld-lab' });
    assert.equal((await hypervisor.listNetworks()).some((network) => network.name.startsWith('fld-lab.')), false);
  });

  test('a static address on the host address, twice in a network, or outside it is refused with its field', async () => {
    const hostAddress = fieldsLab();
    hostAddress.vms[0]!.networks = [{ name: 'lan', ip: '10.71.2.1' }];
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: hostAddress }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/0/networks/0/ip',
      message: /10\.71\.2\.1 is the host's own address on network 'lan' \(10\.71\.2\.0\/24\)/,
    });
    const twice = fieldsLab();
    twice.vms[1]!.networks = [{ name: 'lan', ip: '10.71.2.10' }];
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: twice }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/1/networks/0/ip',
      message: /10\.71\.2\.10 on network "lan" is also given to VM "db"/,
    });
  });

  test('an image neither catalog has is refused, naming the host catalog', async () => {
    const unknown = fieldsLab();
    unknown.vms[0]!.os_image = 'nowhere-image';
    await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: unknown }), HostErrorCode.InvalidLab, {
      field: '/lab/vms/0/os_image',
      message: /unknown image "nowhere-image"; this host's catalog has: debian-12, ubuntu-24\.04, vlm-tiny, site-image/,
    });
  });

  test('networks on loopback, link-local or multicast ranges, or over another lab\'s network, are refused at plan time', async () => {
    for (const [cidr, named] of [['127.0.0.0/8', /loopback/], ['169.254.1.0/24', /link-local/], ['224.1.0.0/16', /multicast/]] as const) {
      const reserved = fieldsLab();
      reserved.networks![1]!.cidr = cidr;
      reserved.vms[0]!.networks = ['lan'];
      await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: reserved }), HostErrorCode.InvalidLab, { field: '/lab/networks/1/cidr', message: named });
    }

    await client.sendRequest(LabsApplyRequest.type, { lab: fieldsLab() });
    try {
      // Another lab, on a range inside this lab's (deployed) "lan".
      const other: Lab = { name: 'fld-other', networks: [{ name: 'net', cidr: '10.71.0.0/16' }], vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny', networks: ['net'] }] };
      await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: other }), HostErrorCode.AlreadyExists, {
        field: '/lab/networks/0/cidr',
        message: /10\.71\.0\.0\/16 overlaps network "out" \(10\.71\.1\.0\/24\) of lab "fld-lab"/,
      });
      await rejectsWithHostError(client.sendRequest(LabsApplyRequest.type, { lab: other }), HostErrorCode.AlreadyExists, { field: '/lab/networks/0/cidr', message: /of lab "fld-lab"/ });
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
