// Draws a topology layout as SVG with DOM calls only: every name from the lab file (untrusted)
// goes in as a text node or an attribute value, never as markup. Colors come from panel CSS (theme
// variables); the state is always written in words too.
import type { TopologyVmState } from '@vlm/schemas';
import { type LinkPlace, type NetworkPlace, networkLabel, portsLine, type TopologyLayout, type VmPlace } from '../model/topology-layout';

const svgNamespace = 'http://www.w3.org/2000/svg';

function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const created = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, String(value));
  for (const child of children) created.append(child);
  return created;
}

export const stateWords: Record<TopologyVmState, string> = {
  running: 'running',
  stopped: 'stopped',
  paused: 'paused',
  starting: 'starting',
  stopping: 'stopping',
  crashed: 'crashed',
  unknown: 'state unknown',
  notDeployed: 'not deployed',
  hostUnreachable: 'host not connected',
};

export function vmDescription(place: VmPlace): string {
  const ports = portsLine(place.vm);
  return [`VM ${place.vm.name}`, stateWords[place.vm.state], ports].filter(Boolean).join(', ');
}

export function networkDescription(network: NetworkPlace): string {
  const members = network.members.length === 1 ? '1 VM' : `${network.members.length} VMs`;
  return [`Network ${network.name}`, network.cidr ?? '', network.missing ? 'not defined in the lab' : '', members]
    .filter(Boolean)
    .join(', ');
}

function vmNode(place: VmPlace): SVGElement {
  const { x, y, width, height } = place.box;
  const ports = portsLine(place.vm);
  return svg(
    'g',
    {
      class: `node vm state-${place.vm.state}`,
      'data-id': place.id,
      tabindex: 0,
      role: 'button',
      'aria-label': vmDescription(place),
    },
    svg('title', {}, vmDescription(place)),
    svg('rect', { class: 'vm-box', x, y, width, height, rx: 4 }),
    svg('circle', { class: 'state-dot', cx: x + 12, cy: y + 17, r: 4 }),
    svg('text', { class: 'vm-name', x: x + 22, y: y + 21 }, place.label),
    svg('text', { class: 'vm-state', x: x + 12, y: y + 39 }, stateWords[place.vm.state]),
    svg('text', { class: 'vm-ports', x: x + 12, y: y + 55 }, ports),
  );
}

function networkNode(network: NetworkPlace): SVGElement {
  const { bus, labelBox } = network;
  const label = [network.name, network.mode === 'nat' ? '(nat)' : ''].filter(Boolean).join(' ');
  return svg(
    'g',
    {
      class: `node network${network.missing ? ' missing' : ''}`,
      'data-id': network.id,
      tabindex: 0,
      role: 'button',
      'aria-label': networkDescription(network),
    },
    svg('title', {}, networkDescription(network)),
    // A wide invisible line makes the thin bus easy to click.
    svg('line', { class: 'bus-hit', x1: bus.x, y1: bus.y, x2: bus.x + bus.width, y2: bus.y }),
    svg('line', { class: 'bus', x1: bus.x, y1: bus.y, x2: bus.x + bus.width, y2: bus.y }),
    svg('text', { class: 'network-name', x: labelBox.x, y: bus.y - 4 }, networkLabel(label)),
    svg('text', { class: 'network-cidr', x: labelBox.x, y: bus.y + 13 }, network.missing ? 'not defined' : (network.cidr ?? '')),
  );
}

function linkNode(link: LinkPlace): SVGElement {
  const { labelBox } = link;
  return svg(
    'g',
    { class: 'link' },
    svg('line', { class: 'link-line', x1: link.from.x, y1: link.from.y, x2: link.to.x, y2: link.to.y }),
    svg('circle', { class: 'junction', cx: link.to.x, cy: link.to.y, r: 3.5 }),
    svg('text', { class: 'link-label', x: labelBox.x + labelBox.width / 2, y: labelBox.y + 12, 'text-anchor': 'middle' }, link.label),
  );
}

/** The drawing's <svg>: links under the networks and VMs, so labels and boxes stay readable. */
export function drawTopology(layout: TopologyLayout, title: string): SVGSVGElement {
  return svg(
    'svg',
    {
      id: 'topology',
      xmlns: svgNamespace,
      width: layout.width,
      height: layout.height,
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      role: 'group',
      'aria-label': title,
    },
    svg('title', {}, title),
    ...layout.links.map(linkNode),
    ...layout.networks.map(networkNode),
    ...layout.vms.map(vmNode),
  ) as SVGSVGElement;
}

const exportedProperties = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-family', 'font-size', 'font-weight', 'opacity'];

/** The drawing as a standalone SVG file: the theme's computed colors written onto a copy. */
export function exportSvg(drawing: SVGSVGElement): string {
  const copy = drawing.cloneNode(true) as SVGSVGElement;
  const originals = [drawing, ...drawing.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((original, index) => {
    const target = copies[index];
    if (!target || original instanceof SVGTitleElement) return;
    const style = getComputedStyle(original);
    for (const property of exportedProperties) target.setAttribute(property, style.getPropertyValue(property));
    target.removeAttribute('tabindex');
    target.removeAttribute('class');
  });
  copy.insertBefore(
    svg('rect', { width: '100%', height: '100%', fill: getComputedStyle(document.body).backgroundColor }),
    copy.firstChild?.nextSibling ?? null,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}
