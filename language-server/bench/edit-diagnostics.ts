// Diagnostics after a one-line edit in a large lab, as an editor asks for them between keystrokes:
// ours (given the edit's range, as LSP incremental sync gives it) against the anchor, plain
// yaml-language-server re-validating the whole file, measured alternately in the same process.
import type { TextChange } from '../src/language-service';
import { createAnchor, createOurs, labDocument, type Engine } from './engines';
import { generateLab, vmName } from './generate-lab';
import { median, percentile } from './statistics';

export interface EditDiagnosticsResult {
  vmCount: number;
  runs: number;
  oursMedianMs: number;
  oursP95Ms: number;
  anchorMedianMs: number;
  anchorP95Ms: number;
  ratio: number;
  /** Validations of ours that spliced the edited VM's block (the rest parsed in full). */
  splicedRuns: number;
}

export const editTargets = { ratio: 0.25, p95Ms: 50 };

/** Changes one VM's `vcpu` line of the lab (edits add up, as typing does): which VM and value vary per run. */
function editLab(lines: string[], run: number, vmCount: number): { text: string; line: number } {
  const vm = (run * 379) % vmCount;
  const nameLine = lines.indexOf(`  - name: ${vmName(vm)}`);
  const line = lines.findIndex((text, index) => index > nameLine && text.startsWith('    vcpu: '));
  lines[line] = `    vcpu: ${1 + (run % 8)}`;
  return { text: lines.join('\n'), line };
}

function changeOf(before: string, after: string, lineStart: number): TextChange {
  const lineEnd = before.indexOf('\n', lineStart);
  return { start: lineStart, oldEnd: lineEnd, newEnd: lineEnd + (after.length - before.length) };
}

function lineStartIn(text: string, line: number): number {
  let offset = 0;
  for (let index = 0; index < line; index++) offset = text.indexOf('\n', offset) + 1;
  return offset;
}

export async function measureEditDiagnostics(vmCount: number, runs: number, warmups: number): Promise<EditDiagnosticsResult> {
  let splicedRuns = 0;
  let counting = false;
  const ours = createOurs({ onValidationParse: (_uri, parse) => (splicedRuns += counting && parse === 'vm-block' ? 1 : 0) });
  const anchor = createAnchor();
  const lines = generateLab(vmCount).split('\n');
  const texts = new Map<Engine, string>();
  let version = 1;
  for (const engine of [ours, anchor]) {
    const text = lines.join('\n');
    texts.set(engine, text);
    await engine.validate(labDocument(`edit-${engine.name}-${vmCount}`, version++, text));
  }
  const samples = { ours: [] as number[], anchor: [] as number[] };
  for (let run = 0; run < warmups + runs; run++) {
    counting = run >= warmups;
    const { text, line } = editLab(lines, run, vmCount);
    const order = run % 2 === 0 ? [ours, anchor] : [anchor, ours];
    for (const engine of order) {
      const before = texts.get(engine) ?? '';
      const change = changeOf(before, text, lineStartIn(text, line));
      const document = labDocument(`edit-${engine.name}-${vmCount}`, version++, text);
      const start = performance.now();
      await engine.validate(document, change);
      const elapsed = performance.now() - start;
      texts.set(engine, text);
      if (counting) samples[engine.name].push(elapsed);
    }
  }
  const oursMedianMs = median(samples.ours);
  const anchorMedianMs = median(samples.anchor);
  return {
    vmCount,
    runs,
    oursMedianMs,
    oursP95Ms: percentile(samples.ours, 0.95),
    anchorMedianMs,
    anchorP95Ms: percentile(samples.anchor, 0.95),
    ratio: oursMedianMs / anchorMedianMs,
    splicedRuns,
  };
}

function milliseconds(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${value.toFixed(0)} ms`;
}

/** Prints the figures beside the anchor's; whether both targets are met. */
export function reportEditDiagnostics(result: EditDiagnosticsResult): boolean {
  const ratioPass = result.ratio <= editTargets.ratio;
  const p95Pass = result.oursP95Ms < editTargets.p95Ms;
  console.log('');
  console.log(`Diagnostics after a one-line edit (a VM's vcpu line), ${result.vmCount} VMs, ${result.runs} runs`);
  console.log(
    `  ours median ${milliseconds(result.oursMedianMs)}, p95 ${milliseconds(result.oursP95Ms)} ` +
      `(${result.splicedRuns} of ${result.runs} spliced the VM's block); anchor (whole file) median ${milliseconds(result.anchorMedianMs)}, ` +
      `p95 ${milliseconds(result.anchorP95Ms)}; ratio ${result.ratio.toFixed(2)}`,
  );
  console.log(
    `  target: ratio <= ${editTargets.ratio}: ${result.ratio.toFixed(2)} ${ratioPass ? 'PASS' : 'MISS'}; ` +
      `ours p95 < ${editTargets.p95Ms} ms: ${milliseconds(result.oursP95Ms)} ${p95Pass ? 'PASS' : 'MISS'}`,
  );
  return ratioPass && p95Pass;
}
