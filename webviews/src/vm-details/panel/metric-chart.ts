// One small live chart of the VM details panel, drawn with uPlot in the theme's chart colors. It
// says "No data" when the host gave no figure for any of its samples, rather than a flat line.
import uPlot from 'uplot';
import type { VmMetricsSample } from '@vlm/schemas';
import { element } from '../../panels/dom';
import { type MetricChartSpec, chartColumns, latestText } from '../model/metric-series';

const seriesColors = ['--vscode-charts-blue', '--vscode-charts-orange'];

function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

export class MetricChart {
  readonly element: HTMLElement;
  private readonly value = element('span', { class: 'chart-value' });
  private readonly empty = element('p', { class: 'chart-empty' });
  private readonly canvas = element('div', { class: 'chart-canvas' });
  private plot: uPlot | undefined;
  private samples: readonly VmMetricsSample[] = [];
  private windowMs = 600_000;

  constructor(private readonly spec: MetricChartSpec) {
    this.element = element(
      'section',
      { class: 'chart', id: `chart-${spec.id}`, role: 'img', tabindex: '0' },
      element('h2', {}, spec.title, ' ', this.value),
      this.canvas,
      this.empty,
    );
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 120 })).observe(this.element);
    // The theme changes the body's class: draw again in the new colors.
    new MutationObserver(() => this.redraw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** The samples to draw, and whether the VM is live (a stopped VM shows no current figure). */
  draw(samples: readonly VmMetricsSample[], windowMs: number, live: boolean): void {
    const changedShape = (this.samples.length === 0) !== (samples.length === 0);
    this.samples = samples;
    this.windowMs = windowMs;
    const { points } = chartColumns(this.spec, samples);
    this.value.textContent = live ? latestText(this.spec, samples.at(-1)) : '';
    this.empty.textContent = points === 0 ? 'No data: the host gave no figure for this VM (libvirt had none to give).' : '';
    // For screen readers and for tests that check the data, not pixels.
    this.element.dataset.chart = JSON.stringify({ samples: samples.length, points });
    this.element.setAttribute(
      'aria-label',
      `${this.spec.title} over the last ${Math.round(windowMs / 60_000)} minutes: ${points === 0 ? 'no data' : `${points} points, latest ${latestText(this.spec, samples.at(-1))}`}`,
    );
    if (!this.plot || changedShape) this.redraw();
    else this.plot.setData(this.data());
  }

  private data(): uPlot.AlignedData {
    return chartColumns(this.spec, this.samples).columns as uPlot.AlignedData;
  }

  /** The last `windowMs` up to the newest sample, in seconds. */
  private timeRange(): [number, number] {
    const newest = (this.samples.at(-1)?.at ?? Date.now()) / 1000;
    return [newest - this.windowMs / 1000, newest];
  }

  private width(): number {
    return Math.max(this.element.clientWidth - 8, 200);
  }

  private redraw(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const foreground = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)');
    const format = (value: number) => this.spec.format(value);
    const options: uPlot.Options = {
      width: this.width(),
      height: 120,
      scales: {
        x: { time: true, range: () => this.timeRange() },
        y: { range: (_, __, max) => [0, this.spec.id === 'cpu' ? 100 : Math.max(max ?? 0, 1) * 1.1] },
      },
      legend: { show: this.spec.series.length > 1, live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 70, values: (_, ticks) => ticks.map(format) },
      ],
      series: [
        {},
        ...this.spec.series.map((series, index) => ({
          label: series.label,
          stroke: themeColor(seriesColors[index] ?? '--vscode-charts-blue', '#3794ff'),
          width: 1.5,
          points: { show: false },
          spanGaps: false,
        })),
      ],
    };
    this.plot = new uPlot(options, this.data(), this.canvas);
  }
}
