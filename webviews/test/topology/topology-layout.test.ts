// The topology layout: deterministic, nothing overlapping, every link from its VM to its network's
// bus, hostile and long names kept as plain text, and arrow keys reaching every node.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TopologyLab } from '@vlm/schemas';
import {
  layoutTopology,
  type NavigationKey,
  networkLabel,
  nextNode,
  overlappingBoxes,
  shortLabel,
  textWidth,
  type TopologyLayout,
} from '../../src/topology/model/topology-layout';

type Vm = TopologyLab['vms'][number];

function lab(vms: Vm[], networks: TopologyLab['networks'] = []): TopologyLab {
  return { file: 'test.lab.yaml', lab: 'test', host: 'local', hostConnected: true, networks, vms, problems: [] };
}

const vm = (name: string, networks: string[], extra: Partial<Vm> = {}): Vm => ({
  name,
  state: 'running',
  interfaces: networks.map((network, index) => ({ name: `nic${index}`, network, ip: `10.0.${index}.${name.length}` })),
  ...extra,
});

const threeTier = lab(
  [vm('web', ['front']), vm('app', ['front', 'back'], { sshPort: 2222 }), vm('db', ['back'])],
  [
    { name: 'front', cidr: '10.0.0.0/24' },
    { name: 'back', cidr: '10.0.1.0/24', mode: 'nat' },
  ],
);

describe('layoutTopology', () => {
  test('is deterministic and draws nothing on top of anything else', () => {
    const first = layoutTopology(threeTier);
    assert.deepEqual(layoutTopology(structuredClone(threeTier)), first);
    assert.deepEqual(overlappingBoxes(first), []);
  });

  test('each link runs from its VM box down to its own network bus', () => {
    const layout = layoutTopology(threeTier);
    assert.equal(layout.links.length, 4);
    for (const link of layout.links) {
      const box = layout.vms.find((place) => place.vm.name === link.vm)?.box;
      const bus = layout.networks.find((network) => network.name === link.network)?.bus;
      assert.ok(box && bus);
      assert.equal(link.from.y, box.y + box.height);
      assert.ok(link.from.x > box.x && link.from.x < box.x + box.width, 'the port is on the VM');
      assert.equal(link.to.y, bus.y);
      assert.ok(link.to.x >= bus.x && link.to.x <= bus.x + bus.width, 'the link meets its bus');
    }
    assert.deepEqual(
      layout.links.filter((link) => link.vm === 'app').map((link) => link.label),
      ['nic0 10.0.0.3', 'nic1 10.0.1.3'],
    );
  });

  test('VMs are grouped by their first network, in the file order within a group', () => {
    const layout = layoutTopology(lab([vm('b1', ['back']), vm('f1', ['front']), vm('lone', []), vm('f2', ['front'])], threeTier.networks));
    assert.deepEqual(
      layout.vms.map((place) => place.vm.name),
      ['f1', 'f2', 'b1', 'lone'],
    );
    assert.deepEqual(
      layout.vms.map((place) => place.id),
      ['vm-1', 'vm-3', 'vm-0', 'vm-2'],
      'ids are positions in the file',
    );
  });

  test('a network a VM names but the lab lacks is drawn, marked missing', () => {
    const layout = layoutTopology(lab([vm('web', ['front', 'nowhere'])], [{ name: 'front', cidr: '10.0.0.0/24' }]));
    const missing = layout.networks.find((network) => network.name === 'nowhere');
    assert.equal(missing?.missing, true);
    assert.deepEqual(missing?.members, ['web']);
    assert.deepEqual(overlappingBoxes(layout), []);
  });

  test('hostile and long names are data: cut for the drawing, never used as ids, no overlap', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const long = 'a'.repeat(200);
    const layout = layoutTopology(lab([vm(hostile, [long]), vm(long, [long, hostile])], [{ name: long }, { name: hostile }]));
    assert.equal(layout.vms[0]?.vm.name, hostile);
    assert.equal(layout.vms[0]?.label, hostile);
    assert.equal(layout.vms[1]?.label, shortLabel(long));
    assert.equal([...(layout.vms[1]?.label ?? '')].length, 28);
    assert.ok(textWidth(networkLabel(long)) <= (layout.networks[0]?.labelBox.width ?? 0), 'a network label fits its column');
    for (const id of [...layout.vms.map((place) => place.id), ...layout.networks.map((network) => network.id)]) {
      assert.match(id, /^(vm|net)-\d+$/);
    }
    assert.deepEqual(overlappingBoxes(layout), []);
  });

  test('many VMs with many interfaces still overlap nowhere', () => {
    const networks = Array.from({ length: 6 }, (_, index) => ({ name: `n${index}`, cidr: `10.${index}.0.0/24` }));
    const vms = Array.from({ length: 30 }, (_, index) =>
      vm(
        `vm-${index}`,
        networks.filter((_, network) => (index + network) % 3 === 0).map((network) => network.name),
      ),
    );
    assert.deepEqual(overlappingBoxes(layoutTopology(lab(vms, networks))), []);
  });

  test('an empty lab has a size and no nodes', () => {
    const layout = layoutTopology(lab([]));
    assert.deepEqual([layout.vms, layout.networks, layout.links], [[], [], []]);
    assert.ok(layout.width > 0 && layout.height > 0);
  });
});

describe('nextNode', () => {
  const layout: TopologyLayout = layoutTopology(threeTier);
  const name = (id: string | undefined) =>
    layout.vms.find((place) => place.id === id)?.vm.name ?? layout.networks.find((network) => network.id === id)?.name;
  const press = (from: string | undefined, ...keys: NavigationKey[]) => {
    let current = from;
    for (const key of keys) current = nextNode(layout, current, key);
    return name(current);
  };

  test('arrow keys reach every VM and network', () => {
    assert.equal(press(undefined, 'ArrowRight'), 'web');
    assert.equal(press('vm-0', 'ArrowRight', 'ArrowRight'), 'db');
    assert.equal(press('vm-0', 'ArrowRight', 'ArrowRight', 'ArrowRight'), 'db', 'stops at the last VM');
    assert.equal(press('vm-2', 'ArrowDown'), 'back');
    assert.equal(press('vm-0', 'ArrowDown'), 'front');
    assert.equal(press('net-0', 'ArrowDown'), 'back');
    assert.equal(press('net-1', 'ArrowUp'), 'front');
    assert.equal(press('net-0', 'ArrowUp'), 'web');
    assert.equal(press('net-1', 'ArrowLeft'), 'app', "the network's first member");
    assert.equal(press('vm-1', 'End'), 'back');
    assert.equal(press('net-1', 'Home'), 'web');
  });

  test('an empty drawing has nowhere to go', () => {
    assert.equal(nextNode(layoutTopology(lab([])), undefined, 'ArrowRight'), undefined);
  });
});
