// Lab fields on the real tier: vlm-host on qemu:///system (TCG) through libvirt-dbus. Two vlm-tiny
// guests from an image of the host's own catalog, on an isolated lab network with static
// addresses: each has its address inside (read over SSH), they reach each other, the network
// answers no DNS, one boots UEFI (OVMF) and starts with the host. Plans that overlap the deployed
// network or the host's own interface are refused. A NAT network is defined and its XML read, but
// never started: no test traffic may go through NAT.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HostErrorCode,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  LabsPlanRequest,
  type LabDetails,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { requireCommand } from '../../local-libvirt/require-command';
import { makeKey, sshUntilConnected } from '../images/tiny-guest';
import { startHostFixture, type Client, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

function virsh(...args: string[]): string {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, `virsh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The first IPv4 address of a host interface other than loopback. */
function hostInterfaceAddress(): { name: string; address: string } {
  const result = spawnSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  for (const link of JSON.parse(result.stdout) as Array<{ ifname: string; addr_info?: Array<{ local?: string }> }>) {
    const local = link.addr_info?.[0]?.local;
    if (link.ifname !== 'lo' && local && !local.startsWith('127.')) return { name: link.ifname, address: local };
  }
  throw new Error('This host has no IPv4 address besides loopback; the overlap check needs one to test against.');
}

let fixture: HostFixture;
let key: { privateKey: string; publicKey: string };
const prefix = `fld-${randomBytes(3).toString('hex')}`;
const labName = prefix;
const natName = `${prefix}-nat`;
const second = 200 + ((randomBytes(1)[0] as number) % 50);
const third = randomBytes(1)[0] as number;
const subnet = `10.${second}.${third}.0/24`;
const address = (last: number) => `10.${second}.${third}.${last}`;

const lab = (): Lab => ({
  name: labName,
  networks: [{ name: 'lan', cidr: subnet }],
  vms: [
    {
      name: 'alpha',
      vcpu: 1,
      ram_mb: 192,
      disk_gb: 1,
      os_image: 'site-tiny',
      networks: [{ name: 'lan', ip: address(10) }],
      firmware: 'uefi',
      autostart: true,
      ssh_authorized_keys: [key.publicKey],
    },
    {
      name: 'beta',
      vcpu: 1,
      ram_mb: 128,
      disk_gb: 1,
      os_image: 'site-tiny',
      networks: [{ name: 'lan', ip: address(11) }],
      ssh_authorized_keys: [key.publicKey],
    },
  ],
});

/** Applies the lab; when that fails, what the guests printed says why they were not reachable. */
async function applyShowingConsoles(client: Client): Promise<void> {
  await client.sendRequest(LabsApplyRequest.type, { lab: lab() }).catch(async (error: Error) => {
    const consoles = await Promise.all(
      ['alpha', 'beta'].map(async (vm) => {
        const log = await readFile(join(fixture.dataDirectory, 'logs', `${labName}.${vm}.log`), 'utf8').catch(() => '(no log)');
        return `--- ${vm} console (end) ---\n${log.slice(-3000)}`;
      }),
    );
    throw new Error(`${error.message}\n${consoles.join('\n')}`);
  });
}

/** Runs `command` over SSH in `vm` of the deployed lab; asserts it succeeded and returns its output. */
async function inGuest(details: LabDetails, vm: string, command: string): Promise<string> {
  const port = details.resources.ports.find((item) => item.vm === vm && item.kind === 'ssh');
  assert.ok(port, `an SSH port for ${vm}`);
  const result = await sshUntilConnected(key.privateKey, port.port, command, 120_000);
  assert.equal(result.code, 0, `${vm}: ${command}: ${result.stderr}`);
  return result.stdout;
}

before(
  async () => {
    requireCommand('dnsmasq', 'dnsmasq-base');
    requireCommand('ip', 'iproute2');
    if (!existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd'))
      throw new Error('OVMF is not installed: apt-get install -y --no-install-recommends ovmf');
    fixture = await startHostFixture({
      name: 'lab-fields-qemu',
      driver: 'qemu',
      // QEMU runs as its own user and must pass through the folder to the data directory's disks.
      folderMode: 0o755,
      // Whatever a failed test left: removed by the names this run made.
      leftovers: { domains: ['alpha', 'beta'].map((vm) => `${labName}.${vm}`), networks: [`${labName}.lan`, natName] },
      async prepare({ folder, dataDirectory }) {
        key = await makeKey(join(folder, 'id_ed25519'));
        await mkdir(dataDirectory, { recursive: true });
        // An image only this host's catalog has: vlm-tiny's build under another name.
        const site = {
          name: 'site-tiny',
          title: "This host's tiny guest",
          os: 'linux',
          default_user: 'root',
          min_ram_mb: 96,
          min_disk_gb: 1,
          cloud_init: true,
          source: { kind: 'build', script: 'host-service/vlm-tiny/build-vlm-tiny.sh' },
        };
        await writeFile(join(dataDirectory, 'image-catalog.json'), JSON.stringify({ images: [site] }));
      },
    });
  },
  { timeout: 900_000 },
);

after(async () => {
  await fixture?.dispose();
});

describe('a NAT network on qemu:///system', { timeout: 900_000 }, () => {
  test('a NAT network is defined as libvirt NAT (read with virsh net-dumpxml, never started)', async () => {
    await fixture.hypervisor.defineNetwork(
      buildNetworkXml({ name: natName, cidr: `10.${second}.${(third + 1) % 256}.0/24`, mode: 'nat', dhcp: true }),
    );
    try {
      const xml = virsh('net-dumpxml', natName);
      assert.match(xml, /<forward mode='nat'\s*\/?>/);
      assert.doesNotMatch(xml, /<dns enable='no'\/>/);
      assert.match(virsh('net-info', natName), /Active:\s+no/);
    } finally {
      await fixture.hypervisor.undefineNetwork(natName);
    }
  });
});

describe('lab fields on qemu:///system through vlm-host', { timeout: 900_000 }, () => {
  test('static addresses, guest to guest, no DNS, UEFI and autostart on two real guests; overlaps refused', async () => {
    const client = await fixture.connect();
    try {
      assert.equal((await client.sendRequest(ImagesPullRequest.type, { name: 'site-tiny' })).present, true);
      await applyShowingConsoles(client);
      const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
      assert.equal(details.status, 'running');

      // Each guest has its static address on its lab NIC, and they reach each other on it.
      assert.match(await inGuest(details, 'alpha', 'ip -4 addr'), new RegExp(`inet ${address(10).replace(/\./g, '\\.')}/24 `));
      assert.match(await inGuest(details, 'beta', 'ip -4 addr'), new RegExp(`inet ${address(11).replace(/\./g, '\\.')}/24 `));
      assert.match(await inGuest(details, 'alpha', `ping -c 1 -W 10 ${address(11)}`), /1 packets received/);
      assert.match(await inGuest(details, 'beta', `ping -c 1 -W 10 ${address(10)}`), /1 packets received/);

      // The network holds the fixed leases, for the MACs the domains' NICs have.
      const networkXml = virsh('net-dumpxml', `${labName}.lan`);
      for (const [vm, last] of [
        ['alpha', 10],
        ['beta', 11],
      ] as const) {
        const mac = /<mac address='([0-9a-f:]+)'\/>\s*<source network='[^']*\.lan'/.exec(virsh('dumpxml', `${labName}.${vm}`))?.[1];
        assert.ok(mac, `a MAC on ${vm}'s lab NIC`);
        assert.match(networkXml, new RegExp(`<host mac='${mac}' name='${vm}' ip='${address(last).replace(/\./g, '\\.')}'/>`));
      }
      // Isolated: DNS is off in the XML and in the dnsmasq libvirt runs (port=0: no DNS at all).
      assert.match(networkXml, /<dns enable='no'\/>/);
      assert.match(await readFile(`/var/lib/libvirt/dnsmasq/${labName}.lan.conf`, 'utf8'), /^port=0$/m);

      // UEFI: OVMF is the loader, its NVRAM is in the data directory, and the guest sees EFI.
      const alphaXml = virsh('dumpxml', `${labName}.alpha`);
      assert.match(alphaXml, /<loader [^>]*type='pflash'[^>]*>\/usr\/share\/OVMF\/OVMF_CODE[^<]*\.fd<\/loader>/);
      const nvram = join(fixture.dataDirectory, 'nvram', `${labName}.alpha.fd`);
      assert.match(alphaXml, new RegExp(`<nvram[^>]*>${nvram}</nvram>`));
      assert.equal(existsSync(nvram), true);
      assert.match(await inGuest(details, 'alpha', 'test -d /sys/firmware/efi && echo efi'), /^efi$/m);
      assert.match(await inGuest(details, 'beta', 'test -d /sys/firmware/efi && echo efi || echo bios'), /^bios$/m);
      assert.doesNotMatch(virsh('dumpxml', `${labName}.beta`), /<loader/);

      // autostart: alpha starts with the host, and so does the network it needs; beta does not.
      assert.match(virsh('dominfo', `${labName}.alpha`), /Autostart:\s+enable/);
      assert.match(virsh('dominfo', `${labName}.beta`), /Autostart:\s+disable/);
      assert.match(virsh('net-info', `${labName}.lan`), /Autostart:\s+yes/);

      // Plans that overlap the deployed network, or the host's own interface, are refused.
      const other: Lab = {
        name: `${prefix}-b`,
        networks: [{ name: 'net', cidr: `10.${second}.0.0/16` }],
        vms: [{ name: 'a', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'site-tiny', networks: ['net'] }],
      };
      await rejectsWithHostError(client.sendRequest(LabsPlanRequest.type, { lab: other }), HostErrorCode.AlreadyExists, {
        field: '/lab/networks/0/cidr',
        message: new RegExp(`overlaps network "lan" \\(${subnet.replace(/\./g, '\\.')}\\) of lab "${labName}"`),
      });
      const own = hostInterfaceAddress();
      const ownRange = `${own.address.split('.').slice(0, 3).join('.')}.0/24`;
      await rejectsWithHostError(
        client.sendRequest(LabsPlanRequest.type, { lab: { ...other, networks: [{ name: 'net', cidr: ownRange }] } }),
        HostErrorCode.AlreadyExists,
        {
          field: '/lab/networks/0/cidr',
          message: new RegExp(`overlaps the address ${own.address.replace(/\./g, '\\.')} of the host's interface ${own.name}`),
        },
      );

      await client.sendRequest(LabsDestroyRequest.type, { name: labName });
      assert.equal(existsSync(nvram), false);
      assert.doesNotMatch(virsh('list', '--all', '--name'), new RegExp(`^${labName}\\.`, 'm'));
      assert.doesNotMatch(virsh('net-list', '--all', '--name'), new RegExp(`^${labName}\\.`, 'm'));
    } finally {
      client.close();
    }
  });
});
