// What lab networks must stay clear of: ranges read from libvirt network XML, the host's own
// addresses and routes (read with iproute2 on this machine), and the problem a plan reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { formatCidr, type Lab } from '@vlm/schemas';
import { hostRanges, networkConflicts, readLibvirtNetworkXml } from '../../src/deploy/network-surroundings';
import { requireCommand } from '../../local-libvirt/require-command';

test('libvirt network XML: IPv4 ranges from netmask or prefix, IPv6 and odd masks skipped, the bridge named', () => {
  const read = readLibvirtNetworkXml(`<network><name>n</name><bridge name='virbr7'/>
    <ip address='10.5.0.1' netmask='255.255.0.0'/><ip address='172.16.3.9' prefix='28'/>
    <ip family='ipv6' address='fd00::1' prefix='64'/><ip address='10.9.0.1' netmask='255.0.255.0'/></network>`);
  assert.equal(read.bridge, 'virbr7');
  assert.deepEqual(read.ranges.map(formatCidr), ['10.5.0.0/16', '172.16.3.0/28']);
  assert.deepEqual(readLibvirtNetworkXml('<network><name>bare</name></network>'), { ranges: [] });
});

test('a lab network over an occupied range is a problem naming the holder; others are not', () => {
  const lab = {
    name: 'l',
    networks: [
      { name: 'a', cidr: '10.5.7.0/24' },
      { name: 'b', cidr: '10.6.0.0/24' },
    ],
    vms: [],
  } as unknown as Lab;
  const holder = 'libvirt network "other" (10.5.0.0/16)';
  const [cidr] = readLibvirtNetworkXml(`<network><ip address='10.5.0.1' prefix='16'/></network>`).ranges;
  if (cidr === undefined) throw new Error('the network XML gave no range');
  const problems = networkConflicts(lab, [{ cidr, holder }]);
  assert.deepEqual(problems, [
    { field: '/lab/networks/0/cidr', message: `10.5.7.0/24 overlaps ${holder}; pick a range nothing on this host uses` },
  ]);
});

test("the host's addresses and routes come from iproute2; the default route is not a range, and skipped devices are left out", async () => {
  requireCommand('ip', 'iproute2');
  const links = JSON.parse(spawnSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8' }).stdout) as Array<{
    ifname: string;
    addr_info: Array<{ local: string }>;
  }>;
  const ranges = await hostRanges(new Set());
  for (const link of links) {
    for (const info of link.addr_info) {
      assert.ok(
        ranges.some((range) => range.holder === `the address ${info.local} of the host's interface ${link.ifname}`),
        `${link.ifname} ${info.local}`,
      );
    }
  }
  assert.equal(
    ranges.some((range) => range.cidr.prefix === 0),
    false,
  );
  const [first] = links;
  if (first === undefined) throw new Error('ip -j addr show listed no interface');
  const skipped = first.ifname;
  assert.equal(
    (await hostRanges(new Set([skipped]))).some((range) => range.holder.endsWith(`interface ${skipped}`)),
    false,
  );
});
