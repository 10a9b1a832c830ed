// `npm run bench`: every workspace's benchmarks, one child process each, run one after another
// (they measure time, so they must not compete for the two cores). Output streams as it comes.
// Append a workspace's benchmark to the list below. Extra arguments (such as --quick) pass through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './paths.mjs';

/** Each benchmark: a title, and a TypeScript (run through tsx) or JavaScript file to run. */
export const benchmarks = [
  { title: 'language server', script: 'language-server/bench/language-service.bench.ts' },
  { title: 'vlm CLI start-up', script: 'cli/bench/startup.bench.ts' },
];

function runBenchmark(benchmark, extraArguments) {
  const script = join(repositoryRoot, benchmark.script);
  const loader = benchmark.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...loader, script, ...extraArguments], { cwd: repositoryRoot, stdio: 'inherit' });
    child.on('error', (error) => resolve(`could not start: ${error.message}`));
    child.on('close', (code, signal) => resolve(code === 0 ? undefined : `exited with ${signal ?? code}`));
  });
}

const extraArguments = process.argv.slice(2);
const failures = [];
for (const benchmark of benchmarks) {
  console.log(`\n== Benchmark: ${benchmark.title} (${benchmark.script})`);
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
