// "This month against budget": spend so far, the forecast to month end and the limit, day by day,
// drawn with uPlot in the theme's chart colours (redrawn when the theme changes). The figures are
// also in the element's data-chart and aria-label, for screen readers and for tests.
import uPlot from 'uplot';
import type { BudgetStatus } from '../model/forecast';
import { percentOf } from '../model/forecast';
import { formatAmount } from '../model/money';
import { budgetLabel } from '../model/budgets';

function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || fallback;
}

export class BudgetChart {
  private plot: uPlot | undefined;
  private status: BudgetStatus | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 200 })).observe(container);
    new MutationObserver(() => this.redraw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  draw(status: BudgetStatus | undefined): void {
    this.status = status;
    this.redraw();
  }

  private width(): number {
    return Math.max(this.container.clientWidth, 200);
  }

  private redraw(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const status = this.status;
    if (!status) {
      delete this.container.dataset.chart;
      this.container.setAttribute('aria-label', 'No budget to chart yet.');
      return;
    }
    const { budget } = status;
    const money = (minor: number) => formatAmount(minor, budget.currency);
    this.container.dataset.chart = JSON.stringify({
      budgetId: budget.id,
      month: status.month,
      currency: budget.currency,
      budgetMinor: budget.amountMinor,
      spentMinor: status.spentMinor,
      forecastMinor: status.forecastMinor,
      actual: status.actualByDay,
      forecast: status.forecastByDay,
    });
    this.container.setAttribute(
      'aria-label',
      `${budgetLabel(budget)} in ${status.month}: ${money(status.spentMinor)} ${budget.currency} spent by day ${status.today} ` +
        `(${percentOf(status.spentMinor, budget)}% of ${money(budget.amountMinor)}); forecast to day ${status.days} ` +
        `${money(status.forecastMinor)} (${percentOf(status.forecastMinor, budget)}%).`,
    );
    const foreground = themeColor('--vscode-foreground', '#cccccc');
    const grid = themeColor('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)');
    const days = Array.from({ length: status.days }, (_, index) => index + 1);
    const line = (label: string, variable: string, fallback: string, dash?: number[]) => ({
      label,
      stroke: themeColor(variable, fallback),
      width: 2,
      dash,
      points: { show: false },
      value: (_: uPlot, value: number | null) => (value === null ? '' : money(value)),
    });
    const options: uPlot.Options = {
      width: this.width(),
      height: 200,
      scales: { x: { time: false } },
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: foreground, grid: { show: false }, ticks: { stroke: grid } },
        {
          stroke: foreground,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 70,
          values: (_, ticks) => ticks.map((tick) => money(Math.round(tick))),
        },
      ],
      series: [
        { label: 'Day', value: (_, value) => (value === null ? '' : String(value)) },
        line('Spent', '--vscode-charts-blue', '#3794ff'),
        line('Forecast', '--vscode-charts-orange', '#d18616', [6, 4]),
        line('Budget', '--vscode-charts-red', '#f14c4c'),
      ],
    };
    const actual = days.map((day) => (day <= status.today ? (status.actualByDay[day - 1] ?? null) : null));
    const data: uPlot.AlignedData = [days, actual, status.forecastByDay, days.map(() => budget.amountMinor)];
    this.plot = new uPlot(options, data, this.container);
  }
}
