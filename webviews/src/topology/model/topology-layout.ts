// Where the Lab Topology panel draws each part of a lab: VMs as boxes in one row, each network as a
// horizontal bus below them, and a link from a port on a VM's lower edge down to its network's bus,
// labelled with the interface and its address. Pure and deterministic (the same lab gives the same
// drawing), so nothing overlaps is a unit test, not a screenshot.
import type { TopologyLab } from '@vlm/schemas';

type LabVm = TopologyLab['vms'][number];

export interface Point {
  x: number;
  y: number;
}

export interface Box extends Point {
  width: number;
  height: number;
}

export interface VmPlace {
  id: string;
  vm: LabVm;
  box: Box;
  /** The name as drawn: long names are cut, the whole name goes in the title and aria-label. */
  label: string;
}

export interface NetworkPlace {
  id: string;
  name: string;
  cidr?: string;
  mode?: 'isolated' | 'nat';
  /** A network a VM names that the lab does not define: drawn dashed. */
  missing: boolean;
  /** The bus line, from x to x + width at y; the label sits in the left column. */
  bus: Box;
  labelBox: Box;
  /** VM names on the network, in the lab's order. */
  members: string[];
}

export interface LinkPlace {
  vm: string;
  network: string;
  interfaceName: string;
  ip?: string;
  from: Point;
  to: Point;
  /** The interface's label, centred on the link just below the VM. */
  labelBox: Box;
  label: string;
}

export interface TopologyLayout {
  width: number;
  height: number;
  vms: VmPlace[];
  networks: NetworkPlace[];
  links: LinkPlace[];
}

/** Sizes in CSS pixels, for the panel's 12px labels. */
export const layoutSizes = {
  margin: 16,
  characterWidth: 7.2,
  labelHeight: 16,
  vmHeight: 64,
  vmMinWidth: 120,
  vmGap: 24,
  vmPadding: 12,
  networkColumn: 150,
  linkLabelBand: 28,
  busGap: 44,
  maxLabelCharacters: 28,
} as const;

/** A label cut to at most `maxLabelCharacters`, with an ellipsis. */
export function shortLabel(text: string): string {
  const characters = [...text];
  if (characters.length <= layoutSizes.maxLabelCharacters) return text;
  return `${characters.slice(0, layoutSizes.maxLabelCharacters - 1).join('')}…`;
}

/** A network's name as drawn in the left column: cut to fit it. */
export function networkLabel(text: string): string {
  const fits = Math.floor((layoutSizes.networkColumn - 16) / layoutSizes.characterWidth);
  const characters = [...text];
  return characters.length <= fits ? text : `${characters.slice(0, fits - 1).join('')}…`;
}

export function textWidth(text: string): number {
  return Math.ceil([...text].length * layoutSizes.characterWidth);
}

export function linkLabel(interfaceName: string, ip: string | undefined): string {
  return shortLabel(ip ? `${interfaceName} ${ip}` : interfaceName);
}

/** The forwarded host ports a VM box lists under its state. */
export function portsLine(vm: LabVm): string {
  return [vm.sshPort !== undefined ? `ssh :${vm.sshPort}` : '', vm.vncPort !== undefined ? `vnc :${vm.vncPort}` : '']
    .filter(Boolean)
    .join(' · ');
}

/** Ids are positions, not names: a name from the file never reaches an id or a selector. */
export const vmId = (index: number) => `vm-${index}`;
export const networkId = (index: number) => `net-${index}`;

/** The networks drawn: the lab's, then each one a VM names that the lab lacks, once. */
function networksOf(lab: TopologyLab): Array<Omit<NetworkPlace, 'bus' | 'labelBox' | 'id'>> {
  const networks = lab.networks.map((network) => ({ ...network, missing: false, members: [] as string[] }));
  const byName = new Map<string, (typeof networks)[number]>();
  for (const network of networks) if (!byName.has(network.name)) byName.set(network.name, network);
  for (const vm of lab.vms) {
    for (const attached of vm.interfaces) {
      let network = byName.get(attached.network);
      if (!network) {
        network = { name: attached.network, missing: true, members: [] };
        byName.set(attached.network, network);
        networks.push(network);
      }
      if (!network.members.includes(vm.name)) network.members.push(vm.name);
    }
  }
  return networks;
}

/** VMs grouped by the first network they join (in network order), the lab's order within; unattached ones last. */
function vmOrder(lab: TopologyLab, networkNames: string[]): number[] {
  const rank = (vm: LabVm) => {
    const first = vm.interfaces[0]?.network;
    const index = first === undefined ? -1 : networkNames.indexOf(first);
    return index < 0 ? networkNames.length : index;
  };
  return lab.vms
    .map((vm, index) => ({ index, rank: rank(vm) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.index);
}

function vmWidth(vm: LabVm): number {
  const { vmMinWidth, vmPadding } = layoutSizes;
  const slots = vm.interfaces.map((attached) => textWidth(linkLabel(attached.name, attached.ip)) + vmPadding);
  const slotsWidth = slots.length * Math.max(0, ...slots);
  const textLines = [shortLabel(vm.name), portsLine(vm), 'state unknown'];
  return Math.max(vmMinWidth, slotsWidth, ...textLines.map((line) => textWidth(line) + 2 * vmPadding));
}

export function layoutTopology(lab: TopologyLab): TopologyLayout {
  const { margin, vmHeight, vmGap, networkColumn, linkLabelBand, busGap, labelHeight } = layoutSizes;
  const networks = networksOf(lab);
  const vmTop = margin;
  const vmBottom = vmTop + vmHeight;
  let x = margin + networkColumn;
  const vms: VmPlace[] = [];
  for (const index of vmOrder(
    lab,
    networks.map((network) => network.name),
  )) {
    const vm = lab.vms[index] as LabVm;
    const width = vmWidth(vm);
    vms.push({ id: vmId(index), vm, label: shortLabel(vm.name), box: { x, y: vmTop, width, height: vmHeight } });
    x += width + vmGap;
  }
  const right = Math.max(x - vmGap, margin + networkColumn + layoutSizes.vmMinWidth);
  const busTop = vmBottom + linkLabelBand + busGap / 2;
  const placedNetworks: NetworkPlace[] = networks.map((network, index) => {
    const y = busTop + index * busGap;
    return {
      ...network,
      id: networkId(index),
      bus: { x: margin + networkColumn - 8, y, width: right - (margin + networkColumn - 8), height: 0 },
      labelBox: { x: margin, y: y - labelHeight, width: networkColumn - 16, height: labelHeight * 2 },
    };
  });
  const busOf = new Map<string, NetworkPlace>();
  for (const network of placedNetworks) if (!busOf.has(network.name)) busOf.set(network.name, network);
  const links: LinkPlace[] = vms.flatMap((place) => {
    const slot = place.box.width / Math.max(1, place.vm.interfaces.length);
    return place.vm.interfaces.map((attached, port) => {
      const lineX = Math.round(place.box.x + slot * (port + 0.5));
      const bus = busOf.get(attached.network) as NetworkPlace;
      const label = linkLabel(attached.name, attached.ip);
      const width = textWidth(label);
      return {
        vm: place.vm.name,
        network: attached.network,
        interfaceName: attached.name,
        ...(attached.ip === undefined ? {} : { ip: attached.ip }),
        from: { x: lineX, y: vmBottom },
        to: { x: lineX, y: bus.bus.y },
        label,
        labelBox: { x: lineX - width / 2, y: vmBottom + 6, width, height: labelHeight },
      };
    });
  });
  const height = (placedNetworks.at(-1)?.bus.y ?? vmBottom) + busGap / 2 + margin;
  return { width: right + margin, height, vms, networks: placedNetworks, links };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Pairs of drawn boxes (VMs, link labels, network labels) that overlap: none, in a good layout. */
export function overlappingBoxes(layout: TopologyLayout): Array<[string, string]> {
  const boxes: Array<[string, Box]> = [
    ...layout.vms.map((place): [string, Box] => [`vm ${place.vm.name}`, place.box]),
    ...layout.links.map((link): [string, Box] => [`link ${link.vm}/${link.interfaceName}`, link.labelBox]),
    ...layout.networks.map((network): [string, Box] => [`network ${network.name}`, network.labelBox]),
  ];
  const found: Array<[string, string]> = [];
  boxes.forEach(([name, box], index) => {
    for (const [other, otherBox] of boxes.slice(index + 1)) if (overlaps(box, otherBox)) found.push([name, other]);
  });
  return found;
}

export type NavigationKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End';

/**
 * The node an arrow key moves to from `current` (an id): Left and Right along the VMs or up and
 * down the networks' column; Down from a VM to its first network, Up from a network to its first VM.
 */
export function nextNode(layout: TopologyLayout, current: string | undefined, key: NavigationKey): string | undefined {
  const order = [...layout.vms.map((place) => place.id), ...layout.networks.map((network) => network.id)];
  if (order.length === 0) return undefined;
  if (key === 'Home') return order[0];
  if (key === 'End') return order.at(-1);
  const vmIndex = layout.vms.findIndex((place) => place.id === current);
  const networkIndex = layout.networks.findIndex((network) => network.id === current);
  if (vmIndex < 0 && networkIndex < 0) return order[0];
  if (vmIndex >= 0) {
    const place = layout.vms[vmIndex] as VmPlace;
    if (key === 'ArrowLeft') return layout.vms[Math.max(0, vmIndex - 1)]?.id;
    if (key === 'ArrowRight') return layout.vms[Math.min(layout.vms.length - 1, vmIndex + 1)]?.id;
    if (key === 'ArrowDown') {
      const first = place.vm.interfaces[0]?.network;
      return (layout.networks.find((network) => network.name === first) ?? layout.networks[0])?.id ?? place.id;
    }
    return place.id;
  }
  const network = layout.networks[networkIndex] as NetworkPlace;
  if (key === 'ArrowUp') {
    if (networkIndex > 0) return layout.networks[networkIndex - 1]?.id;
    return (layout.vms.find((place) => network.members.includes(place.vm.name)) ?? layout.vms[0])?.id ?? network.id;
  }
  if (key === 'ArrowDown') return layout.networks[Math.min(layout.networks.length - 1, networkIndex + 1)]?.id;
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    return layout.vms.find((place) => network.members.includes(place.vm.name))?.id ?? network.id;
  }
  return network.id;
}
