// `npm run package`: builds the extension's bundles, then packs the extension into
// .artifacts/virtual-lab-manager-<version>.vsix with vsce (`--out FILE` to put it elsewhere). Everything the extension needs at
// run time is in its bundles, so the .vsix carries no node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repositoryRoot } from './paths.mjs';

const extensionFolder = join(repositoryRoot, 'extension');
const artifacts = join(repositoryRoot, '.artifacts');

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** The path of the .vsix for the extension's current version. */
export function vsixPath() {
  const { name, version } = JSON.parse(readFileSync(join(extensionFolder, 'package.json'), 'utf8'));
  return join(artifacts, `${name}-${version}.vsix`);
}

export function packageExtension(out = vsixPath()) {
  const built = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', 'build.mjs'), 'extension/'], { stdio: 'inherit' });
  if (built.status !== 0) fail('the build failed: see above.');
  for (const bundle of ['extension.js', 'server.js', 'webviews/expenses.js']) {
    if (!existsSync(join(extensionFolder, 'dist', bundle))) {
      fail(`extension/dist/${bundle} is missing after the build: its entry point (see scripts/build.mjs) does not exist yet.`);
    }
  }
  const vsce = join(repositoryRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(vsce)) fail('@vscode/vsce is not installed: run `npm ci` at the repository root.');
  mkdirSync(dirname(out), { recursive: true });
  const packed = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', out], {
    cwd: extensionFolder,
    stdio: 'inherit',
  });
  if (packed.status !== 0) fail('vsce could not pack the extension: see above.');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const index = process.argv.indexOf('--out');
  const out = index > 0 && process.argv[index + 1] ? resolve(process.argv[index + 1]) : undefined;
  console.log(`Packed ${packageExtension(out)}`);
}
