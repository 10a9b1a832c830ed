// The Lab Topology panel's script, in the webview. It draws what the extension sends (each message
// checked against panel-messages.schema.json first): VMs, network buses and labelled links. A VM
// or network is chosen by click, or by arrow keys / Tab and Enter; a VM offers Reveal in Hosts and
// Open Console, a network lists its CIDR and members. The file and the chosen node survive a reload.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../../panels/panel.css';
import './topology.css';
import type { TopologyLab, TopologyToExtension } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { element } from '../../panels/dom';
import { layoutTopology, type NavigationKey, nextNode, portsLine, type TopologyLayout } from '../model/topology-layout';
import { drawTopology, exportSvg, networkDescription, stateWords } from './topology-drawing';

interface VsCodeApi {
  postMessage(message: TopologyToExtension): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PanelState {
  uri?: string;
  selected?: string;
}

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() ?? {}) as Record<string, unknown>;
const state: PanelState = {
  uri: typeof saved.uri === 'string' ? saved.uri : undefined,
  selected: typeof saved.selected === 'string' ? saved.selected : undefined,
};
let layout: TopologyLayout | undefined;

const heading = element('h1', { id: 'lab-title' }, 'Lab topology');
const summary = element('p', { id: 'summary' }, 'Reading the lab file…');
const problems = element('ul', { id: 'problems' });
const exportButton = element('vscode-button', { id: 'export-svg', secondary: true }, 'Export SVG…');
const canvas = element('div', { id: 'canvas' });
const details = element('section', { id: 'details', 'aria-live': 'polite', 'aria-label': 'Chosen node' });
const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });

document.body.append(
  element(
    'main',
    {},
    heading,
    summary,
    element('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Drawing' }, exportButton),
    problems,
    canvas,
    details,
    status,
  ),
);

function send(message: TopologyToExtension): void {
  status.textContent = '';
  status.classList.remove('problem');
  vscode.postMessage(message);
}

function show(lab: TopologyLab): void {
  heading.textContent = lab.lab ? `Lab ${lab.lab}` : `Lab topology of ${lab.file}`;
  const running = lab.vms.filter((vm) => vm.state === 'running').length;
  summary.textContent = [
    lab.file,
    `host ${lab.host}${lab.hostConnected ? '' : ' (not connected)'}`,
    `${lab.vms.length} VM${lab.vms.length === 1 ? '' : 's'}, ${running} running`,
    `${lab.networks.length} network${lab.networks.length === 1 ? '' : 's'}`,
  ].join(' · ');
  problems.replaceChildren(...lab.problems.map((problem) => element('li', {}, problem)));
  layout = layoutTopology(lab);
  const hadFocus = document.activeElement?.closest('[data-id]')?.getAttribute('data-id') ?? undefined;
  canvas.replaceChildren(drawTopology(layout, heading.textContent));
  if (hadFocus) nodeElement(hadFocus)?.focus();
  choose(state.selected, false);
}

function nodeElement(id: string): SVGGElement | undefined {
  return [...canvas.querySelectorAll<SVGGElement>('[data-id]')].find((node) => node.getAttribute('data-id') === id);
}

function fact(label: string, value: string): HTMLElement {
  return element('div', { class: 'fact' }, element('span', {}, label), element('span', {}, value));
}

/** Shows the chosen VM's actions or network's members; `focus` moves the keyboard there too. */
function choose(id: string | undefined, focus: boolean): void {
  const place = layout?.vms.find((candidate) => candidate.id === id);
  const network = layout?.networks.find((candidate) => candidate.id === id);
  state.selected = place || network ? id : undefined;
  vscode.setState(state);
  for (const node of canvas.querySelectorAll('[data-id]')) {
    node.classList.toggle('selected', node.getAttribute('data-id') === state.selected);
  }
  if (place) {
    const vm = place.vm;
    const reveal = element('vscode-button', { id: 'reveal-vm' }, 'Reveal in Hosts View');
    const open = element('vscode-button', { id: 'open-console', secondary: true }, 'Open Console');
    reveal.addEventListener('click', () => send({ type: 'revealVm', vm: vm.name }));
    open.addEventListener('click', () => send({ type: 'openConsole', vm: vm.name }));
    details.replaceChildren(
      element('h2', {}, `VM ${vm.name}`),
      fact('State', stateWords[vm.state]),
      vm.osImage ? fact('Image', vm.osImage) : '',
      fact('Forwarded ports', portsLine(vm) || 'none'),
      fact(
        'Interfaces',
        vm.interfaces.map((attached) => `${attached.name} on ${attached.network}${attached.ip ? ` (${attached.ip})` : ''}`).join(', ') ||
          'none',
      ),
      element('div', { class: 'actions' }, reveal, open),
    );
  } else if (network) {
    details.replaceChildren(
      element('h2', {}, `Network ${network.name}`),
      fact('CIDR', network.missing ? 'not defined in the lab' : (network.cidr ?? 'not set')),
      fact('Mode', network.mode ?? 'isolated'),
      element('div', { class: 'fact' }, element('span', {}, 'Members')),
      element(
        'ul',
        { id: 'members', 'aria-label': networkDescription(network) },
        ...network.members.map((member) => element('li', {}, member)),
      ),
    );
  } else {
    details.replaceChildren(
      element('p', { class: 'hint' }, 'Choose a VM or a network: click it, or move with the arrow keys and press Enter.'),
    );
  }
  if (focus && state.selected) nodeElement(state.selected)?.focus();
}

const navigationKeys = new Set<string>(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End']);

canvas.addEventListener('click', (event) => {
  const node = (event.target as Element).closest('[data-id]');
  if (node) choose(node.getAttribute('data-id') ?? undefined, true);
});
canvas.addEventListener('keydown', (event) => {
  if (!layout) return;
  const current = (event.target as Element).closest('[data-id]')?.getAttribute('data-id') ?? undefined;
  if (navigationKeys.has(event.key)) {
    event.preventDefault();
    const next = nextNode(layout, current, event.key as NavigationKey);
    if (next) nodeElement(next)?.focus();
  } else if ((event.key === 'Enter' || event.key === ' ') && current) {
    event.preventDefault();
    choose(current, true);
  }
});
exportButton.addEventListener('click', () => {
  const drawing = canvas.querySelector<SVGSVGElement>('svg');
  if (drawing) send({ type: 'exportSvg', svg: exportSvg(drawing) });
});

window.addEventListener('message', (event: MessageEvent) => {
  const check = checkPanelMessage('TopologyToPanel', event.data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  const message = check.message;
  if (message.type === 'error') {
    status.textContent = message.message;
    status.classList.add('problem');
    return;
  }
  state.uri = message.uri;
  show(message.topology);
});

vscode.postMessage({ type: 'ready' });
