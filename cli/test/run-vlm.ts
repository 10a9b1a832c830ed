// Runs the built `vlm` as a real process, the way a user or a CI job does.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repositoryRoot = join(__dirname, '..', '..');
export const launcher = join(repositoryRoot, 'cli', 'bin', 'vlm.js');
const bundle = join(repositoryRoot, 'cli', 'dist', 'vlm.js');

/** Sources that end up in the bundle; a bundle older than any of them is stale. */
const bundledSources = [
  'cli/src',
  'host-client/src',
  'clouds/src',
  'cli/build',
  'scripts/build.mjs',
  'language-server/src',
  'schemas/src',
  'schemas/lab.schema.json',
  'schemas/image-catalog.json',
];

function newestModification(path: string): number {
  const status = statSync(path);
  if (!status.isDirectory()) return status.mtimeMs;
  return Math.max(status.mtimeMs, ...readdirSync(path).map((entry) => newestModification(join(path, entry))));
}

function bundleIsFresh(): boolean {
  if (!existsSync(bundle)) return false;
  const sourcesChanged = Math.max(...bundledSources.map((source) => newestModification(join(repositoryRoot, source))));
  return statSync(bundle).mtimeMs >= sourcesChanged;
}

/** Test files run in parallel: one build at a time, the others wait for it (a lock directory, polled with a deadline). */
function withBuildLock<T>(body: () => T): T {
  const lock = join(tmpdir(), `vlm-cli-build-${createHash('sha256').update(repositoryRoot).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left by a killed run.
      const lockAge = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (lockAge > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for another test run's build (lock ${lock}).`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the bundles when the CLI's is missing or stale; fails with how to build by hand. */
export function ensureBuilt(): void {
  if (bundleIsFresh()) return;
  withBuildLock(() => {
    // Another test file may have built it while this one waited.
    if (bundleIsFresh()) return;
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(
        `Building the CLI failed (node scripts/build.mjs exited ${build.status}). ` +
          `Run "node scripts/build.mjs" in ${repositoryRoot} to see why.\n${build.stderr}`,
      );
    }
  });
}

export interface VlmResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the final empty one. */
  lines: string[];
}

/**
 * Copies the launcher and its bundles into `directory` and returns the copied launcher: another
 * user (`nobody`) runs that copy, since a checkout under a 0700 folder such as /root is out of
 * its reach. The bundle needs nothing else from the checkout.
 */
export function copyVlmInto(directory: string): string {
  mkdirSync(join(directory, 'bin'), { recursive: true, mode: 0o755 });
  copyFileSync(launcher, join(directory, 'bin', 'vlm.js'));
  // dist/ holds vlm.js and the cloud providers it loads on demand.
  cpSync(join(bundle, '..'), join(directory, 'dist'), { recursive: true });
  return join(directory, 'bin', 'vlm.js');
}

/** Runs the built vlm; `options.launcher` runs a copy made by copyVlmInto instead. */
export function runVlm(commandLine: readonly string[], options: SpawnSyncOptions & { launcher?: string } = {}): VlmResult {
  const { launcher: copied, ...spawnOptions } = options;
  const result = spawnSync(process.execPath, [copied ?? launcher, ...commandLine], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    // A hang is a failure, not a stuck test run.
    timeout: 60_000,
    ...spawnOptions,
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
