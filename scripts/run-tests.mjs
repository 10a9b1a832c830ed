// Runs the tests of the named workspaces (all when none is named) in one node:test run,
// so the output ends with the runner's own summary.
import { spawnSync } from 'node:child_process';
import { watchLeftBehind } from './left-behind.mjs';
import { repositoryRoot } from './paths.mjs';
import { testFiles, workspaces } from './test-files.mjs';

export function runTests(names) {
  const files = (names.length > 0 ? names : workspaces).flatMap(testFiles);
  if (files.length === 0) {
    console.error(`No test files found for ${names.join(', ') || 'any workspace'}.`);
    return 1;
  }
  const leftBehind = watchLeftBehind();
  const result = spawnSync(
    process.execPath,
    // One file at a time: the real tiers share the machine's libvirtd, and some restart it.
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { cwd: repositoryRoot, stdio: 'inherit' },
  );
  const left = leftBehind();
  if (left.length > 0) {
    console.error('\nThe tests left these processes running (a test or its fixture did not clean up):');
    for (const found of left) console.error(`  pid ${found.pid} ${found.name}: ${found.command.slice(0, 200)}`);
    return 1;
  }
  return result.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(runTests(process.argv.slice(2)));
