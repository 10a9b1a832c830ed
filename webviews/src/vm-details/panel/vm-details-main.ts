// The VM details panel's script, in the webview: the VM's state and four small charts of its last
// minutes (CPU, memory, disk, network), from the history the extension sends, then its live
// samples. Every message is checked against panel-messages.schema.json first. Which VM it shows is
// kept with setState, so the extension can restore the panel after a reload.
import '../../panels/panel.css';
import 'uplot/dist/uPlot.min.css';
import './vm-details.css';
import type { VmDetailsToExtension, VmDetailsToPanel, VmMetricsSample } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { element } from '../../panels/dom';
import { SampleWindow, metricCharts } from '../model/metric-series';
import { MetricChart } from './metric-chart';

interface VsCodeApi {
  postMessage(message: VmDetailsToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const window10 = new SampleWindow(600_000);
let windowMs = 600_000;
let live = false;

const title = element('h1', { id: 'vm-name' }, 'VM');
const stateText = element('span', { id: 'vm-state' }, 'Loading…');
const facts = element('p', { id: 'vm-facts' }, 'State: ', stateText);
const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const charts = metricCharts.map((spec) => new MetricChart(spec));
document.body.append(
  element('main', {}, title, facts, status, element('div', { class: 'charts' }, ...charts.map((chart) => chart.element))),
);

function showState(sample: VmMetricsSample | undefined, running: boolean): void {
  live = running && sample !== undefined;
  stateText.textContent = !running ? 'not running (no live figures)' : (sample?.state ?? 'running');
  stateText.classList.toggle('stopped', !running);
  stateText.dataset.state = running ? (sample?.state ?? 'running') : 'stopped';
}

function drawCharts(): void {
  for (const chart of charts) chart.draw(window10.all, windowMs, live);
}

function receive(message: VmDetailsToPanel): void {
  if (message.type === 'vm') {
    vscode.setState({ host: message.host, vm: message.vm, domain: message.domain, lab: message.lab });
    title.textContent = `VM ${message.vm}`;
    const where = `${message.lab ? `lab ${message.lab}, ` : ''}host ${message.host}`;
    facts.replaceChildren(`State: `, stateText, ` · ${where} · domain ${message.domain}`);
    windowMs = message.windowMs;
    window10.reset(message.history, windowMs);
    status.textContent = '';
    status.classList.remove('problem');
    showState(window10.all.at(-1), message.history.length > 0);
  } else if (message.type === 'sample') {
    window10.add(message.sample);
    showState(message.sample, true);
  } else if (message.type === 'stopped') {
    showState(undefined, false);
  } else {
    status.textContent = message.message;
    status.classList.add('problem');
    showState(undefined, false);
  }
  drawCharts();
}

window.addEventListener('message', (event: MessageEvent) => {
  const check = checkPanelMessage('VmDetailsToPanel', event.data);
  if (!check.ok) {
    console.error(check.problem);
    return;
  }
  receive(check.message);
});

vscode.postMessage({ type: 'ready' });
