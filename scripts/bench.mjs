// `npm run bench`: every workspace's benchmarks, one child process each, run one after another
// (they measure time, so they must not compete for the two cores). Output streams as it comes.
// Append a workspace's benchmark to the list below. Extra arguments (such as --quick) pass through,
// except `--only TEXT` (repeatable): run only the benchmarks whose title or script contains TEXT.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureNpmDependencies } from './ensure-installed.mjs';
import { repositoryRoot } from './paths.mjs';

/**
 * Each benchmark: a title, a TypeScript (run through tsx) or JavaScript file, and its own arguments.
 * `passThrough` benchmarks also get the extra arguments given to `npm run bench` (such as --quick).
 */
export const benchmarks = [
  { title: 'language server', script: 'language-server/bench/language-service.bench.ts', passThrough: true },
  { title: 'vlm CLI start-up', script: 'cli/bench/startup.bench.ts', passThrough: true },
  { title: 'host: listing 1000 domains', script: 'host-service/bench/libvirt-listing.ts', arguments: ['1000', '5'] },
  { title: 'host: one metrics sample, 100 running domains', script: 'host-service/bench/metrics-sampling.ts', arguments: ['100', '21'] },
  { title: 'host: event latency', script: 'host-service/bench/libvirt-event-latency.ts', arguments: ['60', '5'] },
  { title: 'host: API and state', script: 'host-service/bench/host-api.ts', passThrough: true },
  { title: 'host: console throughput (vlm-tiny guest)', script: 'host-service/bench/console-throughput.ts', arguments: ['4', '5', '256'] },
  { title: 'host: deploy 4 vlm-tiny VMs, all at once against one at a time', script: 'host-service/bench/deploy.ts', arguments: ['3'] },
  { title: 'extension: activation', script: 'extension/bench/activation.bench.ts', arguments: ['15'] },
  { title: 'extension: tree refresh, 1000 VMs', script: 'extension/bench/tree-refresh.bench.ts', arguments: ['300'] },
  { title: 'extension: event to tree row', script: 'extension/bench/event-latency.bench.ts', arguments: ['200'] },
  {
    title: 'extension: Clouds view, one change among 1000 instances',
    script: 'extension/bench/cloud-tree-update.bench.ts',
    arguments: ['300'],
  },
  { title: 'clouds: EC2 listing, 1000 instances over 17 regions', script: 'clouds/bench/aws-listing.bench.ts', passThrough: true },
  { title: 'dashboard: durable store write', script: 'webviews/bench/dashboard-store.bench.ts', arguments: ['30'] },
  { title: 'dashboard: filtering the 10,000-row expense table', script: 'webviews/bench/expense-table.bench.ts', arguments: ['50'] },
  {
    title: 'dashboard: Expenses panel with 10,000 expenses in code-server',
    script: 'extension/bench/expenses-panel.bench.ts',
    arguments: ['5'],
  },
  { title: 'extension: cost lens, 100 and 1000 VMs', script: 'extension/bench/cost-lens.bench.ts', arguments: ['30'] },
];

function runBenchmark(benchmark, extraArguments) {
  const script = join(repositoryRoot, benchmark.script);
  const loader = benchmark.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return new Promise((resolve) => {
    const scriptArguments = [...(benchmark.arguments ?? []), ...(benchmark.passThrough ? extraArguments : [])];
    const child = spawn(process.execPath, [...loader, script, ...scriptArguments], { cwd: repositoryRoot, stdio: 'inherit' });
    child.on('error', (error) => resolve(`could not start: ${error.message}`));
    child.on('close', (code, signal) => resolve(code === 0 ? undefined : `exited with ${signal ?? code}`));
  });
}

/** Splits `--only TEXT` filters from the arguments that pass through to the benchmarks. */
function parseArguments(argumentList) {
  const filters = [];
  const rest = [];
  for (let index = 0; index < argumentList.length; index += 1) {
    const argument = argumentList[index];
    if (argument !== '--only') {
      rest.push(argument);
      continue;
    }
    const filter = argumentList[index + 1];
    if (!filter || filter.startsWith('--')) {
      console.error('--only needs a text to look for in the benchmark titles and scripts, e.g. --only host:');
      process.exit(2);
    }
    filters.push(filter);
    index += 1;
  }
  return { filters, rest };
}

const { filters, rest: extraArguments } = parseArguments(process.argv.slice(2));
const chosen = benchmarks.filter(
  (benchmark) => filters.length === 0 || filters.some((filter) => benchmark.title.includes(filter) || benchmark.script.includes(filter)),
);
if (chosen.length === 0) {
  console.error(
    `No benchmark matches ${filters.map((filter) => `"${filter}"`).join(' or ')}. Titles:\n  ${benchmarks.map((benchmark) => benchmark.title).join('\n  ')}`,
  );
  process.exit(2);
}
ensureNpmDependencies();
await import('./build.mjs');
const failures = [];
for (const benchmark of chosen) {
  // Timed figures mean little on a busy machine: say how busy it was.
  console.log(
    `\n== Benchmark: ${benchmark.title} (${benchmark.script}), load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  if (!existsSync(join(repositoryRoot, benchmark.script))) {
    failures.push(`${benchmark.title}: ${benchmark.script} does not exist`);
    continue;
  }
  const started = Date.now();
  const failure = await runBenchmark(benchmark, extraArguments);
  if (failure) failures.push(`${benchmark.title}: ${failure}`);
  console.log(`== ${benchmark.title}: ${failure ?? 'done'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
if (failures.length > 0) {
  console.error(`\nBenchmarks that did not complete:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
