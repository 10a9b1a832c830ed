// One esbuild bundle per process. Runs after `npm ci` (the root `prepare` script) and before tests.
import { existsSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './paths.mjs';
import { lazyMetaSchemaValidators } from '../cli/build/lazy-meta-schema-validators.mjs';
import { cloudProviderBundles } from '../cli/build/cloud-provider-bundles.mjs';
import { precompiledLabValidators } from '../cli/build/precompiled-lab-validators.mjs';
import { requestTypesWithoutServer } from '../cli/build/request-types-without-server.mjs';
import { prettierOnFirstFormat } from '../cli/build/prettier-on-first-format.mjs';
import { standaloneValidators } from '../webviews/build/standalone-validators.mjs';
import { ssh2CryptoBinding } from '../host-service/build/ssh2-crypto-binding.mjs';

const { build } = await import('esbuild');

/** Each bundle: its entry point, its output, and what stays outside the bundle. */
export const bundles = [
  {
    entry: 'language-server/src/server.ts',
    outfile: 'language-server/dist/server.js',
    alias: { 'yaml-language-server/lib/umd': 'yaml-language-server/out/server/src' },
  },
  // yaml-language-server's lib/umd modules hide their requires from esbuild; its out/server/src
  // tree is the same code as plain CommonJS, which bundles.
  // Lazy meta-schemas and cloud providers in their own files: `vlm` runs once per CI step, so its start-up time counts.
  {
    entry: 'cli/src/main.ts',
    outfile: 'cli/dist/vlm.js',
    alias: { 'yaml-language-server/lib/umd': 'yaml-language-server/out/server/src' },
    plugins: [
      lazyMetaSchemaValidators(),
      precompiledLabValidators(),
      requestTypesWithoutServer(),
      prettierOnFirstFormat(),
      cloudProviderBundles(),
    ],
  },
  // ssh2 tries cpu-features (native, optional) to pick ciphers and does without it when it is absent.
  // The cloud providers' SDKs load from bundles of their own, on first use, as for vlm.js.
  {
    entry: 'extension/src/extension.ts',
    outfile: 'extension/dist/extension.js',
    external: ['vscode', 'cpu-features'],
    plugins: [cloudProviderBundles()],
  },
  // dbus-next requires x11 only for X11 bus autolaunch, and usocket (native) only for abstract sockets when present.
  { entry: 'host-service/src/main.ts', outfile: 'host-service/dist/vlm-host.js', external: ['x11', 'usocket', 'cpu-features'] },
  // The extension's .vsix ships its own copy of the language server, and of the host service for
  // the `local` host, laid out as in the repository so vlm-host finds host-service/vlm-tiny two
  // folders up from its bundle.
  {
    entry: 'host-service/src/main.ts',
    outfile: 'extension/dist/host-service/dist/vlm-host.js',
    external: ['x11', 'usocket', 'cpu-features'],
  },
  {
    entry: 'language-server/src/server.ts',
    outfile: 'extension/dist/server.js',
    alias: { 'yaml-language-server/lib/umd': 'yaml-language-server/out/server/src' },
    plugins: [prettierOnFirstFormat()],
  },
  // One bundle per dashboard panel, run in a webview (a browser with a strict CSP): its CSS lands
  // beside it (expenses.css), and its message validators are generated ahead, since eval is refused.
  {
    entry: 'webviews/src/expenses/panel/expenses-main.ts',
    outfile: 'extension/dist/webviews/expenses.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
  {
    entry: 'webviews/src/tools/panel/tools-main.ts',
    outfile: 'extension/dist/webviews/tools.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
  {
    entry: 'webviews/src/tasks/panel/tasks-main.ts',
    outfile: 'extension/dist/webviews/tasks.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
  {
    entry: 'webviews/src/vm-details/panel/vm-details-main.ts',
    outfile: 'extension/dist/webviews/vm-details.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
  // The graphical console: noVNC 1.4's CommonJS build (1.5 and later have a top-level await, which an iife cannot hold).
  {
    entry: 'webviews/src/vnc/panel/vnc-main.ts',
    outfile: 'extension/dist/webviews/vnc.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
  {
    entry: 'webviews/src/topology/panel/topology-main.ts',
    outfile: 'extension/dist/webviews/topology.js',
    platform: 'browser',
    plugins: [standaloneValidators()],
  },
];

/** Files copied as they are: the example labs the extension offers, and what builds vlm-tiny. */
export const copies = [
  { from: 'schemas/examples', to: 'extension/dist/examples' },
  { from: 'host-service/vlm-tiny', to: 'extension/dist/host-service/vlm-tiny' },
  // The lab schema, for yamlValidation and the vlm-schema: file system (other YAML tools).
  { from: 'schemas/lab.schema.json', to: 'extension/dist/schemas/lab.schema.json' },
];

const watch = process.argv.includes('--watch');
// `node scripts/build.mjs extension/` builds only what lands under extension/ (packaging uses it,
// so a half-written workspace elsewhere does not stop it); no folder builds everything.
const folders = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
const wanted = (outfile) => folders.length === 0 || folders.some((folder) => outfile.startsWith(folder));
for (const bundle of bundles.filter((candidate) => wanted(candidate.outfile))) {
  const entry = join(repositoryRoot, bundle.entry);
  if (!existsSync(entry)) continue; // a workspace that has no process yet
  const outfile = join(repositoryRoot, bundle.outfile);
  mkdirSync(join(outfile, '..'), { recursive: true });
  const options = {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: bundle.platform ?? 'node',
    target: bundle.platform === 'browser' ? 'chrome120' : 'node20',
    format: bundle.platform === 'browser' ? 'iife' : 'cjs',
    minify: bundle.platform === 'browser',
    sourcemap: true,
    external: bundle.external ?? [],
    alias: bundle.alias ?? {},
    // Node bundles that hold ssh2 get its native crypto binding beside them, when it was built.
    plugins: [...(bundle.plugins ?? []), ...(bundle.platform === 'browser' ? [] : [ssh2CryptoBinding()])],
    logLevel: 'warning',
    // yaml-language-server's UMD modules pick their format at run time; mark the dynamic
    // requires as known so the bundle keeps working.
    mainFields: ['module', 'main'],
  };
  await build(options);
  if (watch) console.log(`built ${bundle.outfile}`);
}
for (const copy of copies.filter((candidate) => wanted(candidate.to))) {
  cpSync(join(repositoryRoot, copy.from), join(repositoryRoot, copy.to), { recursive: true });
}
