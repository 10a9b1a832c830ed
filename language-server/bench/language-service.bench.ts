// Language server benchmarks: full diagnostics and completion latency against an anchor (plain
// yaml-language-server with the lab schema, measured interleaved in the same process), peak
// memory of each in its own process, and how fast an alias bomb is refused.
// Run: node --import tsx language-server/bench/language-service.bench.ts [--quick]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { completionCases, generateLab, withRunMarker } from './generate-lab';
import { createAnchor, createOurs, labDocument, type Engine, type EngineName } from './engines';
import { median, percentile } from './statistics';
import { elementAt } from '../src/element-at';
import { measureEditDiagnostics, reportEditDiagnostics } from './edit-diagnostics';

const quick = process.argv.includes('--quick');
const repositoryRoot = join(__dirname, '..', '..');

/** Measured runs of each engine. Ours may run more often than the anchor where the anchor is slow. */
interface RunCounts {
  ours: number;
  anchor: number;
}

interface SizePlan {
  vmCount: number;
  validateRuns: RunCounts;
  completionRuns: RunCounts;
}

const both = (runs: number): RunCounts => ({ ours: runs, anchor: runs });

// p95 needs 20+ samples to be more than the maximum, so ours gets 41 completion runs; plain
// yaml-language-server takes about a second per completion at 1000 VMs, so the anchor gets fewer.
const sizePlans: SizePlan[] = quick
  ? [
      { vmCount: 10, validateRuns: both(5), completionRuns: both(5) },
      { vmCount: 100, validateRuns: both(5), completionRuns: both(5) },
      { vmCount: 1000, validateRuns: both(3), completionRuns: both(3) },
    ]
  : [
      { vmCount: 10, validateRuns: both(41), completionRuns: both(41) },
      { vmCount: 100, validateRuns: both(25), completionRuns: { ours: 41, anchor: 15 } },
      { vmCount: 1000, validateRuns: both(15), completionRuns: { ours: 41, anchor: 7 } },
    ];
const warmupRuns = quick ? 1 : 3;
const memoryProbeRuns = 3;
const aliasBombRuns = quick ? 5 : 20;
const childTimeoutMs = 120_000;
// A service that expands the bomb would take gigabytes and most of a minute: cap both.
const aliasBombHeapMiB = 256;
const aliasBombTimeoutMs = 30_000;

const targets = {
  validate1000MedianMs: 250,
  validate1000Ratio: 1.3,
  completionP95Ms: 50,
  aliasBombMedianMs: 100,
};

/** Document versions never repeat, so no engine can answer from a cache. */
let nextVersion = 1;

interface Samples {
  ours: number[];
  anchor: number[];
}

/** Times a call. */
async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/**
 * Runs both engines alternately, swapping who goes first each round so neither is always warmer.
 * An engine with fewer runs than rounds skips rounds evenly spread over the whole measurement.
 * `measure` returns the milliseconds that count, so it can prepare untimed work first.
 */
async function interleave(
  engines: readonly Engine[],
  runs: RunCounts,
  measure: (engine: Engine, version: number) => Promise<number>,
): Promise<Samples> {
  const samples: Samples = { ours: [], anchor: [] };
  const rounds = Math.max(runs.ours, runs.anchor);
  const takesPart = (engine: Engine, round: number) =>
    Math.floor(((round + 1) * runs[engine.name]) / rounds) > Math.floor((round * runs[engine.name]) / rounds);
  for (let warmup = 0; warmup < warmupRuns; warmup += 1) {
    for (const engine of engines) await measure(engine, nextVersion++);
  }
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) {
      if (takesPart(engine, round)) samples[engine.name].push(await measure(engine, nextVersion++));
    }
  }
  return samples;
}

type CompletionState = 'cold' | 'after validate';

interface LatencyFigures {
  oursRuns: number;
  anchorRuns: number;
  oursMedianMs: number;
  oursP95Ms: number;
  anchorMedianMs: number;
  anchorP95Ms: number;
  ratio: number;
}

function figures(samples: Samples): LatencyFigures {
  const oursMedianMs = median(samples.ours);
  const anchorMedianMs = median(samples.anchor);
  return {
    oursRuns: samples.ours.length,
    anchorRuns: samples.anchor.length,
    oursMedianMs,
    oursP95Ms: percentile(samples.ours, 0.95),
    anchorMedianMs,
    anchorP95Ms: percentile(samples.anchor, 0.95),
    ratio: oursMedianMs / anchorMedianMs,
  };
}

/** '41', or '41/7' when ours ran more often than the anchor. */
function runsLabel(figures: LatencyFigures): string {
  return figures.oursRuns === figures.anchorRuns ? String(figures.oursRuns) : `${figures.oursRuns}/${figures.anchorRuns}`;
}

function milliseconds(value: number): string {
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(0)} ms`;
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'MISS';
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => (index === 0 ? cell.padEnd(elementAt(widths, index)) : cell.padStart(elementAt(widths, index))))
    .join('  ');
}

/** Runs a bench child process and parses the JSON line it prints last. */
function runChild(
  script: string,
  childArguments: readonly string[],
  limits: { heapMiB?: number; timeoutMs?: number } = {},
): Promise<unknown> {
  const timeoutMs = limits.timeoutMs ?? childTimeoutMs;
  const heapFlags = limits.heapMiB ? [`--max-old-space-size=${limits.heapMiB}`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...heapFlags, '--import', 'tsx', join(__dirname, script), ...childArguments], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        reject(new Error(`${script} ${childArguments.join(' ')} did not finish within ${timeoutMs / 1000} s`));
      } else if (stderr.includes('heap out of memory')) {
        reject(
          new Error(`${script} ${childArguments.join(' ')} ran out of memory (heap capped at ${limits.heapMiB ?? 'the default'} MiB)`),
        );
      } else if (code !== 0) {
        reject(new Error(`${script} ${childArguments.join(' ')} exited with ${code}: ${stderr.trim()}`));
      } else {
        const lastLine = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(lastLine));
        } catch {
          reject(new Error(`${script} printed no JSON result line; its output was: ${stdout.trim()}`));
        }
      }
    });
  });
}

interface MemoryProbeResult {
  engine: EngineName;
  vmCount: number;
  rssAfterLoadBytes: number;
  peakRssBytes: number;
}

interface AliasBombResult {
  refused: boolean;
  codesSeen: string[];
  bombTimes: number[];
  smallLabTimes: number[];
}

type ValidateResult = { vmCount: number } & LatencyFigures;
type CompletionResult = {
  vmCount: number;
  position: string;
  state: CompletionState;
  oursItems: number;
  anchorItems: number;
} & LatencyFigures;
type Engines = Engine[];

/** The generated labs are valid, so both engines should find no errors in them. */
async function checkSanity(engines: Engines): Promise<void> {
  for (const plan of sizePlans) {
    const lab = generateLab(plan.vmCount);
    for (const engine of engines) {
      const diagnostics = await engine.validate(labDocument(`sanity-${engine.name}-${plan.vmCount}`, nextVersion++, lab));
      const errors = diagnostics.filter((diagnostic) => (diagnostic.severity ?? 1) === 1);
      const first = diagnostics[0];
      if (first) {
        console.log(
          `note: ${engine.name} reports ${diagnostics.length} diagnostics (${errors.length} errors) on the valid ${plan.vmCount}-VM lab; ` +
            `first at line ${first.range.start.line + 1}: ${first.message}`,
        );
      }
    }
  }
}

async function measureValidate(engines: Engines): Promise<ValidateResult[]> {
  const validateResults: ValidateResult[] = [];
  for (const plan of sizePlans) {
    const lab = generateLab(plan.vmCount);
    const samples = await interleave(engines, plan.validateRuns, (engine, version) =>
      timed(() => engine.validate(labDocument(`validate-${engine.name}-${plan.vmCount}`, version, withRunMarker(lab, version)))),
    );
    validateResults.push({ vmCount: plan.vmCount, ...figures(samples) });
  }

  return validateResults;
}

async function measureCompletion(engines: Engines): Promise<CompletionResult[]> {
  // Cold: a document never seen before (the user opened a file and asked at once). After validate:
  // the same version was validated first, untimed, as an editor does between keystrokes.
  const completionResults: CompletionResult[] = [];
  for (const plan of sizePlans) {
    const cases = completionCases(plan.vmCount);
    const scenarios = [
      ...cases.map((completionCase) => ({ completionCase, state: 'cold' as const })),
      { completionCase: elementAt(cases, 0), state: 'after validate' as const },
    ];
    for (const { completionCase, state } of scenarios) {
      const itemCounts = new Map<EngineName, number>();
      const samples = await interleave(engines, plan.completionRuns, async (engine, version) => {
        // Cold runs use a URI never seen before, so nothing of an earlier run can be reused.
        const label =
          state === 'cold' ? `complete-cold-${engine.name}-${plan.vmCount}-${version}` : `complete-${engine.name}-${plan.vmCount}`;
        const document = labDocument(label, version, withRunMarker(completionCase.text, version));
        if (state === 'after validate') await engine.validate(document);
        const start = performance.now();
        const list = await engine.complete(document, completionCase.position);
        const elapsed = performance.now() - start;
        if (state === 'cold') engine.forget(document.uri);
        itemCounts.set(engine.name, list.items.length);
        return elapsed;
      });
      completionResults.push({
        vmCount: plan.vmCount,
        position: completionCase.label,
        state,
        oursItems: itemCounts.get('ours') ?? 0,
        anchorItems: itemCounts.get('anchor') ?? 0,
        ...figures(samples),
      });
    }
  }

  return completionResults;
}

async function measureMemory(): Promise<MemoryProbeResult[]> {
  const memoryResults: MemoryProbeResult[] = [];
  for (const plan of sizePlans) {
    for (const engineName of ['ours', 'anchor'] as const) {
      memoryResults.push(
        (await runChild('memory-probe.ts', [engineName, String(plan.vmCount), String(memoryProbeRuns)])) as MemoryProbeResult,
      );
    }
  }

  return memoryResults;
}

async function probeAliasBomb(): Promise<AliasBombResult | { error: string }> {
  try {
    return (await runChild('alias-bomb-probe.ts', [String(aliasBombRuns)], {
      heapMiB: aliasBombHeapMiB,
      timeoutMs: aliasBombTimeoutMs,
    })) as AliasBombResult;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function reportValidate(validateResults: ValidateResult[]): { validateMedianPass: boolean; validateRatioPass: boolean } {
  const largest = validateResults.at(-1);
  if (!largest) throw new Error('no validate results: sizePlans is empty');
  const validateMedianPass = largest.oursMedianMs < targets.validate1000MedianMs;
  const validateRatioPass = largest.ratio <= targets.validate1000Ratio;
  console.log('');
  console.log('Full diagnostics (validate)');
  const validateWidths = [10, 5, 12, 10, 14, 11, 6];
  console.log(row(['lab', 'runs', 'ours median', 'ours p95', 'anchor median', 'anchor p95', 'ratio'], validateWidths));
  for (const result of validateResults) {
    console.log(
      row(
        [
          `${result.vmCount} VMs`,
          runsLabel(result),
          milliseconds(result.oursMedianMs),
          milliseconds(result.oursP95Ms),
          milliseconds(result.anchorMedianMs),
          milliseconds(result.anchorP95Ms),
          result.ratio.toFixed(2),
        ],
        validateWidths,
      ),
    );
  }
  console.log(
    `  target: 1000 VMs median < ${targets.validate1000MedianMs} ms: ${milliseconds(largest.oursMedianMs)} ${verdict(validateMedianPass)}; ` +
      `ratio ours/anchor <= ${targets.validate1000Ratio}: ${largest.ratio.toFixed(2)} ${verdict(validateRatioPass)}`,
  );

  return { validateMedianPass, validateRatioPass };
}

function reportCompletion(completionResults: CompletionResult[]): { worstCompletionP95: number; completionPass: boolean } {
  console.log('');
  console.log('Completion');
  const completionWidths = [10, 16, 15, 5, 12, 10, 14, 11, 6, 14];
  console.log(
    row(
      ['lab', 'position', 'state', 'runs', 'ours median', 'ours p95', 'anchor median', 'anchor p95', 'ratio', 'items ours/anc'],
      completionWidths,
    ),
  );
  for (const result of completionResults) {
    console.log(
      row(
        [
          `${result.vmCount} VMs`,
          result.position,
          result.state,
          runsLabel(result),
          milliseconds(result.oursMedianMs),
          milliseconds(result.oursP95Ms),
          milliseconds(result.anchorMedianMs),
          milliseconds(result.anchorP95Ms),
          result.ratio.toFixed(2),
          `${result.oursItems}/${result.anchorItems}`,
        ],
        completionWidths,
      ),
    );
  }
  const worstCompletionP95 = Math.max(...completionResults.map((result) => result.oursP95Ms));
  const completionPass = worstCompletionP95 < targets.completionP95Ms;
  const worstBySize = sizePlans
    .map((plan) => {
      const worst = Math.max(...completionResults.filter((result) => result.vmCount === plan.vmCount).map((result) => result.oursP95Ms));
      return `${plan.vmCount} VMs ${milliseconds(worst)}`;
    })
    .join(', ');
  console.log(
    `  target: ours p95 < ${targets.completionP95Ms} ms at every size and position: worst ${worstBySize} ${verdict(completionPass)}`,
  );

  return { worstCompletionP95, completionPass };
}

function reportMemory(memoryResults: MemoryProbeResult[]): void {
  console.log('');
  console.log(`Peak memory (max RSS; each engine alone in its own process, ${memoryProbeRuns} validations + completions)`);
  const memoryWidths = [10, 12, 12, 14, 14, 6];
  console.log(row(['lab', 'ours peak', 'ours loaded', 'anchor peak', 'anchor loaded', 'ratio'], memoryWidths));
  for (const plan of sizePlans) {
    const ours = memoryResults.find((result) => result.engine === 'ours' && result.vmCount === plan.vmCount);
    const anchor = memoryResults.find((result) => result.engine === 'anchor' && result.vmCount === plan.vmCount);
    if (!ours || !anchor) throw new Error(`a memory probe of the ${plan.vmCount}-VM lab gave no result`);
    console.log(
      row(
        [
          `${plan.vmCount} VMs`,
          mebibytes(ours.peakRssBytes),
          mebibytes(ours.rssAfterLoadBytes),
          mebibytes(anchor.peakRssBytes),
          mebibytes(anchor.rssAfterLoadBytes),
          (ours.peakRssBytes / anchor.peakRssBytes).toFixed(2),
        ],
        memoryWidths,
      ),
    );
  }
}

function reportAliasBomb(aliasBomb: AliasBombResult | { error: string }): {
  aliasBombPass: boolean;
  aliasBombSummary: Record<string, unknown>;
} {
  console.log('');
  console.log('Alias bomb (billion laughs, 10^9 nodes if expanded)');
  let aliasBombPass = false;
  let aliasBombSummary: Record<string, unknown>;
  if ('error' in aliasBomb) {
    console.log(`  not measured: ${aliasBomb.error}`);
    console.log(`  target: refused < ${targets.aliasBombMedianMs} ms: MISS`);
    aliasBombSummary = { error: aliasBomb.error };
  } else {
    const bombMedian = median(aliasBomb.bombTimes);
    const smallMedian = median(aliasBomb.smallLabTimes);
    aliasBombPass = aliasBomb.refused && bombMedian < targets.aliasBombMedianMs;
    console.log(
      `  refused with vlm-alias-limit: ${aliasBomb.refused ? 'yes' : `NO (codes seen: ${aliasBomb.codesSeen.join(', ') || 'none'})`}; ` +
        `median ${milliseconds(bombMedian)} over ${aliasBomb.bombTimes.length} runs, ` +
        `beside validating the 10-VM lab: ${milliseconds(smallMedian)} (ratio ${(bombMedian / smallMedian).toPrecision(2)})`,
    );
    console.log(`  target: refused < ${targets.aliasBombMedianMs} ms: ${verdict(aliasBombPass)}`);
    aliasBombSummary = {
      refused: aliasBomb.refused,
      medianMs: bombMedian,
      tenVmLabMedianMs: smallMedian,
      runs: aliasBomb.bombTimes.length,
    };
  }

  return { aliasBombPass, aliasBombSummary };
}

async function main(): Promise<void> {
  const started = performance.now();
  const engines = [createOurs(), createAnchor()];
  console.log('Language server benchmarks');
  console.log('Anchor: plain yaml-language-server with the same lab schema (schema checks only), same documents,');
  console.log('interleaved in this process. Every run uses a new document version and text. Runs "41/7": ours/anchor.');
  if (quick) console.log('QUICK MODE: too few runs for real figures; use it only to check the benchmark works.');

  await checkSanity(engines);
  const validateResults = await measureValidate(engines);
  const edit = await measureEditDiagnostics(1000, quick ? 5 : 41, warmupRuns);
  const completionResults = await measureCompletion(engines);
  const memoryResults = await measureMemory();
  const aliasBomb = await probeAliasBomb();

  const { validateMedianPass, validateRatioPass } = reportValidate(validateResults);
  const editPass = reportEditDiagnostics(edit);
  const { worstCompletionP95, completionPass } = reportCompletion(completionResults);
  reportMemory(memoryResults);
  const { aliasBombPass, aliasBombSummary } = reportAliasBomb(aliasBomb);

  if (!validateMedianPass || !validateRatioPass || !completionPass) {
    console.log('');
    console.log('A target was missed. To see where the time goes (self and inclusive time by package and function):');
    if (!validateMedianPass || !validateRatioPass)
      console.log('  node --import tsx language-server/bench/profile-validate.ts 1000 10 validate');
    if (!completionPass) console.log('  node --import tsx language-server/bench/profile-validate.ts 1000 10 complete');
  }

  const totalSeconds = (performance.now() - started) / 1000;
  console.log('');
  console.log(`(${totalSeconds.toFixed(0)} s in all)`);
  console.log(
    JSON.stringify({
      benchmark: 'language-server',
      quick,
      validate: validateResults,
      editDiagnostics: { ...edit, pass: editPass },
      completion: completionResults,
      memory: memoryResults,
      aliasBomb: aliasBombSummary,
      targets: {
        validate1000Median: { targetMs: targets.validate1000MedianMs, pass: validateMedianPass },
        validate1000Ratio: { target: targets.validate1000Ratio, pass: validateRatioPass },
        completionP95: { targetMs: targets.completionP95Ms, worstMs: worstCompletionP95, pass: completionPass },
        aliasBomb: { targetMs: targets.aliasBombMedianMs, pass: aliasBombPass },
      },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
