// `npm test`: installs what is missing, builds, typechecks, lints, then runs every test tier.
import { spawnSync } from 'node:child_process';
import { ensureNpmDependencies } from './ensure-installed.mjs';
import { ensureSystemPackages } from './system-packages.mjs';
import { repositoryRoot } from './paths.mjs';
import { runTests } from './run-tests.mjs';

// The compiler first: npm ci builds ssh2's native crypto with it, and a test checks it is in use.
ensureSystemPackages(['compiler']);
ensureNpmDependencies();
// Debian packages the test tiers need (see scripts/system-packages.mjs).
ensureSystemPackages(['libvirt', 'qemu', 'tinyImage', 'ansible', 'tls', 'sshServer', 'codeServer', 'vsphere']);

function step(title, command, args) {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { cwd: repositoryRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${title} failed.`);
    process.exit(result.status ?? 1);
  }
}

step('Build bundles', process.execPath, ['scripts/build.mjs']);
step('Typecheck', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
// Webview panels run in a browser: their own settings, with the DOM's types.
step('Typecheck the webview panels', process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'webviews/tsconfig.json', '--noEmit']);
step('Types match the schemas', process.execPath, ['schemas/scripts/generate-types.mjs', '--check']);
// `biome ci` fails on lint errors and on unformatted files alike (biome.json).
step('Lint and format', process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'ci', '.']);
console.log('\n== Tests');
process.exit(runTests([]));
