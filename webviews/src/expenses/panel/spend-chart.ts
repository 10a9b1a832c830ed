// Spend over time, stacked by category, drawn with uPlot on a canvas in the theme's chart colors.
// uPlot needs no eval and no inline styles in markup, so it runs under the panel's strict CSP.
import uPlot from 'uplot';
import { type SpendSeries, stacked } from '../model/expense-aggregation';
import { formatAmount } from '../model/money';

/** VS Code's chart colors, which each theme (dark, light, high contrast) sets. */
const chartColorVariables = ['blue', 'orange', 'green', 'purple', 'yellow', 'red'].map((name) => `--vscode-charts-${name}`);

function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

export class SpendChart {
  private plot: uPlot | undefined;
  private series: SpendSeries | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height() })).observe(container);
    // The theme changes the body's class: draw again in the new colors.
    new MutationObserver(() => this.redraw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  draw(series: SpendSeries): void {
    this.series = series;
    this.redraw();
  }

  private width(): number {
    return Math.max(this.container.clientWidth, 200);
  }

  private height(): number {
    return 240;
  }

  private redraw(): void {
    const series = this.series;
    this.plot?.destroy();
    this.plot = undefined;
    if (!series) return;
    // What the chart shows, for screen readers and for tests that check the data, not pixels.
    const totals = series.buckets.map((_, column) => series.values.reduce((sum, row) => sum + (row[column] ?? 0), 0));
    this.container.dataset.chart = JSON.stringify({
      currency: series.currency,
      buckets: series.buckets,
      categories: series.categories,
      totals,
    });
    this.container.setAttribute(
      'aria-label',
      `Spend in ${series.currency} per ${series.buckets[0]?.length === 7 ? 'month' : 'day'}, stacked by category: ` +
        series.buckets.map((bucket, index) => `${bucket} ${formatAmount(totals[index] ?? 0, series.currency)}`).join(', '),
    );
    if (series.categories.length === 0) return;
    const foreground = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)');
    const running = stacked(series.values);
    // The top of the stack first: each bar is drawn from zero, and the ones below paint over it.
    const order = series.categories.map((_, index) => index).reverse();
    const bars = uPlot.paths.bars?.({ size: [0.7, 64] });
    const options: uPlot.Options = {
      width: this.width(),
      height: this.height(),
      // Ordinal: one tick per bucket index.
      scales: { x: { time: false, distr: 2 } },
      // Labels only: the amounts are in the table and the aria-label.
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        {
          stroke: foreground,
          // Bars need no vertical lines; the horizontal ones read the amounts.
          grid: { show: false },
          ticks: { stroke: grid },
          values: (_, ticks) => ticks.map((tick) => series.buckets[tick] ?? ''),
        },
        {
          stroke: foreground,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 70,
          values: (_, ticks) => ticks.map((tick) => formatAmount(Math.round(tick), series.currency)),
        },
      ],
      series: [
        {
          label: series.buckets[0]?.length === 7 ? 'Month' : 'Day',
          value: (_, index) => (index === null ? '' : (series.buckets[index] ?? '')),
        },
        ...order.map((category) => {
          const color = themeColor(chartColorVariables[category % chartColorVariables.length] as string, '#3794ff');
          return {
            label: series.categories[category],
            fill: color,
            stroke: color,
            paths: bars,
            points: { show: false },
            // The legend shows each category's own amount, not its running sum.
            value: (_: uPlot, __: number, ___: number, index: number | null) =>
              index === null ? '' : formatAmount(series.values[category]?.[index] ?? 0, series.currency),
          };
        }),
      ],
    };
    const data: uPlot.AlignedData = [series.buckets.map((_, index) => index), ...order.map((category) => running[category] ?? [])];
    this.plot = new uPlot(options, data, this.container);
  }
}
