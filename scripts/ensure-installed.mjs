// Installs the npm dependencies when they are missing or older than package-lock.json.
// Uses only Node built-ins: it runs before anything is installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from './paths.mjs';

export function ensureNpmDependencies() {
  const lock = join(repositoryRoot, 'package-lock.json');
  const stamp = join(repositoryRoot, 'node_modules', '.vlm-installed-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  console.log('Installing npm dependencies (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: repositoryRoot,
    stdio: 'inherit',
    // node-pty's post-install runs npx, which would wait for a prompt answer.
    env: { ...process.env, npm_config_yes: 'true' },
  });
  if (result.status !== 0) {
    console.error('npm ci failed: see the output above. The npm registry must be reachable.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, hash);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureNpmDependencies();
