// What the cost lens shows in a lab file, read from its text: a lens over the lab's `name:` line
// (beside Deploy and Plan) and one over each VM, and the Markdown breakdown a click opens. The lab
// is parsed as deploy parses it (`yaml` with merge keys), so the figures are those of what deploy
// would send. No `vscode` import: unit-tested.
import { isSeq, parseDocument } from 'yaml';
import { type CostModel, isValidName } from '@vlm/schemas';
import { formatPriceMicros, hoursPerMonth, mibPerGib, microsToMinor } from '@vlm/webviews/src/costs/cost-model';
import { estimateLabCost, type LabCostEstimate } from '@vlm/webviews/src/costs/lab-cost-estimate';
import { displayAmount } from '@vlm/webviews/src/expenses/model/money';
import { readLabHeader } from '../lab-document';

export interface CostLens {
  /** Zero-based line the lens sits above. */
  line: number;
  title: string;
  tooltip: string;
  /** What a click does: set the cost model, open the breakdown, or nothing. */
  action: 'setCostModel' | 'showBreakdown' | 'none';
}

export type LabForCost =
  | { name: string; nameLine: number; vms: unknown[]; vmLines: Array<number | undefined> }
  | { name: string; nameLine: number; problem: string };

/** The lab's name, its VMs as deploy reads them, and where each is written; undefined when the file is not a lab yet. */
export function readLabForCost(text: string): LabForCost | undefined {
  const header = readLabHeader(text);
  if (!header?.name) return undefined;
  // Only a valid name reaches a tooltip or the Markdown breakdown.
  const base = { name: isValidName(header.name) ? header.name : '(not a valid lab name)', nameLine: header.nameLine };
  const document = parseDocument(text, { merge: true, prettyErrors: false });
  if (document.errors.length > 0) return { ...base, problem: 'the file has YAML errors' };
  let lab: unknown;
  try {
    lab = document.toJS();
  } catch (error) {
    // Too many aliases (a "billion laughs" file) or a merge of something that is not a mapping.
    return { ...base, problem: `the file cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const vms = typeof lab === 'object' && lab !== null ? (lab as { vms?: unknown }).vms : undefined;
  if (!Array.isArray(vms)) return { ...base, problem: 'the lab has no vms list yet' };
  const node = document.get('vms', true);
  const lineOf = lineFinder(text);
  const vmLines = isSeq(node)
    ? node.items.map((item) => ((item as { range?: number[] })?.range ? lineOf((item as { range: number[] }).range[0] ?? 0) : undefined))
    : [];
  return { ...base, vms, vmLines };
}

function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return (offset) => {
    let [low, high] = [0, starts.length - 1];
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
}

/** The lenses of a lab file's text with `model` (undefined: none set yet). */
export function costLenses(text: string, model: CostModel | undefined, locale?: string): CostLens[] {
  const lab = readLabForCost(text);
  if (!lab) return [];
  if (!model) {
    return [
      {
        line: lab.nameLine,
        title: '$(credit-card) Set a cost model',
        tooltip: 'Set prices per vCPU-hour, GiB of RAM-hour and GiB of disk-month to see what this lab would cost',
        action: 'setCostModel',
      },
    ];
  }
  if ('problem' in lab) {
    return [{ line: lab.nameLine, title: '$(credit-card) Cost: not estimated', tooltip: `No estimate: ${lab.problem}.`, action: 'none' }];
  }
  const estimate = estimateLabCost(model, lab.vms);
  const perMonth = (minor: number) => `≈ ${displayAmount(minor, model.currency, locale)} / month`;
  const lenses: CostLens[] = [
    estimate.totalMinor === undefined
      ? {
          line: lab.nameLine,
          title: '$(credit-card) Cost: no total',
          tooltip: `No total: ${estimate.problem}. Click for the breakdown.`,
          action: 'showBreakdown',
        }
      : {
          line: lab.nameLine,
          title: `$(credit-card) ${perMonth(estimate.totalMinor)}`,
          tooltip: `Lab ${lab.name}, ${estimate.vms.length} VM${estimate.vms.length === 1 ? '' : 's'}, for a ${hoursPerMonth}-hour month. Click for the breakdown.`,
          action: 'showBreakdown',
        },
  ];
  estimate.vms.forEach((vm, index) => {
    const line = lab.vmLines[index];
    if (line === undefined) return;
    lenses.push(
      'problem' in vm
        ? { line, title: `Cost: ${vm.problem}`, tooltip: `VM ${vm.name} has no estimate: ${vm.problem}.`, action: 'showBreakdown' }
        : {
            line,
            title: perMonth(vm.monthlyMinor),
            tooltip: `VM ${vm.name}: ${sizeText(vm.size)}, for a ${hoursPerMonth}-hour month. Click for the breakdown.`,
            action: 'showBreakdown',
          },
    );
  });
  return lenses;
}

function sizeText(size: { vcpus: number; ramMib: number; diskGib: number }): string {
  return `${size.vcpus} vCPU${size.vcpus === 1 ? '' : 's'}, ${size.ramMib} MiB of RAM, ${size.diskGib} GiB of disk`;
}

/** The breakdown a click opens: per VM, its vCPU, RAM and disk lines, then the lab's total. */
export function costBreakdownMarkdown(text: string, model: CostModel | undefined, locale?: string): string {
  const lab = readLabForCost(text);
  if (!lab) return '# Estimated cost\n\nThis file has no top-level `name:`, so it is not a lab yet.\n';
  const title = `# Estimated monthly cost of lab ${lab.name}\n\n`;
  if (!model) return `${title}No cost model is set: run **Virtual Labs: Set Cost Model**.\n`;
  if ('problem' in lab) return `${title}No estimate: ${lab.problem}.\n`;
  return title + modelText(model) + estimateTable(estimateLabCost(model, lab.vms), model, locale);
}

function modelText(model: CostModel): string {
  const price = (micros: number) => `${formatPriceMicros(micros)} ${model.currency}`;
  return (
    `Prices: ${price(model.vcpuHourMicros)} per vCPU-hour, ${price(model.ramGbHourMicros)} per GiB of RAM-hour, ` +
    `${price(model.diskGbMonthMicros)} per GiB of disk-month. A month is ${hoursPerMonth} hours (a year's 8,760 over 12). ` +
    `Each line is rounded on its own; totals are rounded once from the exact sum.\n\n`
  );
}

function estimateTable(estimate: LabCostEstimate, model: CostModel, locale?: string): string {
  const money = (amount: Parameters<typeof microsToMinor>[0]) => {
    const minor = microsToMinor(amount, model.currency);
    return minor === undefined ? 'too large' : displayAmount(minor, model.currency, locale);
  };
  const rows = ['| VM | vCPU | RAM | Disk | Month |', '| --- | --- | --- | --- | ---: |'];
  for (const vm of estimate.vms) {
    if ('problem' in vm) {
      rows.push(`| ${vm.name} | | | | no estimate: ${vm.problem} |`);
      continue;
    }
    const { size, cost } = vm;
    rows.push(
      `| ${vm.name} | ${size.vcpus} × ${hoursPerMonth} h = ${money(cost.vcpu)} | ${gibText(size.ramMib)} GiB × ${hoursPerMonth} h = ${money(cost.ram)} ` +
        `| ${size.diskGib} GiB = ${money(cost.disk)} | ${displayAmount(vm.monthlyMinor, model.currency, locale)} |`,
    );
  }
  const total =
    estimate.totalMinor === undefined
      ? `no total: ${estimate.problem}`
      : `**${displayAmount(estimate.totalMinor, model.currency, locale)}**`;
  rows.push(`| **Lab** | | | | ${total} |`);
  return `${rows.join('\n')}\n`;
}

/** MiB as GiB, exactly: 1536 → "1.5", 100 → "0.09765625" (1024 divides a power of ten). */
function gibText(mib: number): string {
  const scaled = (BigInt(mib) * 10n ** 10n) / BigInt(mibPerGib);
  const text = scaled.toString().padStart(11, '0');
  const fraction = text.slice(-10).replace(/0+$/, '');
  return fraction === '' ? text.slice(0, -10) : `${text.slice(0, -10)}.${fraction}`;
}
