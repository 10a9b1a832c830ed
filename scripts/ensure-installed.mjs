// Installs the npm dependencies when they are missing or older than package-lock.json.
// Uses only Node built-ins: it runs before anything is installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { repositoryRoot } from './paths.mjs';
import { builtSsh2Binding } from '../host-service/build/ssh2-crypto-binding.mjs';

/**
 * The environment for npm installs that may build native modules. node-gyp downloads Node's
 * headers unless told where they are; the running Node's own (PREFIX/include/node) serve, so
 * builds need no network beyond the registry. A nodedir the user set wins.
 */
export function npmInstallEnvironment(extra = {}) {
  const prefix = dirname(dirname(process.execPath));
  const localHeaders = existsSync(join(prefix, 'include', 'node', 'common.gypi'));
  const nodedirSet = Object.keys(process.env).some((name) => name.toLowerCase() === 'npm_config_nodedir');
  return {
    ...process.env,
    // node-pty's post-install runs npx, which would wait for a prompt answer.
    npm_config_yes: 'true',
    ...(localHeaders && !nodedirSet ? { npm_config_nodedir: prefix } : {}),
    ...extra,
  };
}

export function ensureNpmDependencies() {
  const lock = join(repositoryRoot, 'package-lock.json');
  const stamp = join(repositoryRoot, 'node_modules', '.vlm-installed-lock-hash');
  // Which install scripts may run is part of what was installed: ssh2's builds its native crypto.
  const { allowScripts } = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8'));
  const hash = createHash('sha256')
    .update(readFileSync(lock))
    .update(JSON.stringify(allowScripts ?? {}))
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  console.log('Installing npm dependencies (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: repositoryRoot,
    stdio: 'inherit',
    env: npmInstallEnvironment(),
  });
  if (result.status !== 0) {
    console.error('npm ci failed: see the output above. The npm registry must be reachable.');
    process.exit(result.status ?? 1);
  }
  // npm ci can keep an installed ssh2 without running its install script again (as when only
  // allowScripts changed): build the native crypto binding then. Without a compiler ssh2's script
  // says so and exits 0, and ssh2 runs its JavaScript crypto (host-service/README.md).
  if (!builtSsh2Binding()) {
    spawnSync('npm', ['rebuild', 'ssh2', '--foreground-scripts'], { cwd: repositoryRoot, stdio: 'inherit', env: npmInstallEnvironment() });
  }
  writeFileSync(stamp, hash);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureNpmDependencies();
