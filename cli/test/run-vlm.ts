// Runs the built `vlm` as a real process, the way a user or a CI job does.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const repositoryRoot = join(__dirname, '..', '..');
export const launcher = join(repositoryRoot, 'cli', 'bin', 'vlm.js');
const bundle = join(repositoryRoot, 'cli', 'dist', 'vlm.js');

/** Sources that end up in the bundle; a bundle older than any of them is stale. */
const bundledSources = ['cli/src', 'cli/build', 'scripts/build.mjs', 'language-server/src', 'schemas/src', 'schemas/lab.schema.json', 'schemas/image-catalog.json'];

function newestModification(path: string): number {
  const status = statSync(path);
  if (!status.isDirectory()) return status.mtimeMs;
  return Math.max(status.mtimeMs, ...readdirSync(path).map((entry) => newestModification(join(path, entry))));
}

/** Builds the bundles when the CLI's is missing or stale; fails with how to build by hand. */
export function ensureBuilt(): void {
  if (existsSync(bundle)) {
    const sourcesChanged = Math.max(...bundledSources.map((source) => newestModification(join(repositoryRoot, source))));
    if (statSync(bundle).mtimeMs >= sourcesChanged) return;
  }
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(
      `Building the CLI failed (node scripts/build.mjs exited ${build.status}). ` +
        `Run "node scripts/build.mjs" in ${repositoryRoot} to see why.\n${build.stderr}`,
    );
  }
}

export interface VlmResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the final empty one. */
  lines: string[];
}

export function runVlm(commandLine: readonly string[], options: SpawnSyncOptions = {}): VlmResult {
  const result = spawnSync(process.execPath, [launcher, ...commandLine], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    // A hang is a failure, not a stuck test run.
    timeout: 60_000,
    ...options,
  });
  if (result.error) throw new Error(`could not run vlm ${commandLine.join(' ')}: ${result.error.message}`);
  const stdout = String(result.stdout);
  return {
    status: result.status,
    stdout,
    stderr: String(result.stderr),
    lines: stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'),
  };
}
