#!/usr/bin/env node
// Launcher for the bundled CLI; `npm ci` builds it through the root `prepare` script.
// A short `vlm` run would spend most of its time parsing and compiling megabytes of bundle, so the
// bundle runs with V8's code cache, one per command (dist/vlm.js.validate.cache, ...; `other` for
// a run that names none): a cache holds what its first run compiled, and `vlm validate` compiles
// other functions than `vlm --version`. The cache names the bundle and Node it was made for; any
// other cache is ignored and replaced after the run (best effort: a read-only install simply runs
// without one). A usage error (exit 2, such as a mistyped command) writes none.
const { isAscii } = require('node:buffer');
const { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const Module = require('node:module');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'vlm.js');
const commandWord = process.argv[2] ?? '';
const cacheFile = `${bundle}.${/^[a-z]+(-[a-z]+)*$/.test(commandWord) ? commandWord : 'other'}.cache`;

function readCache(key) {
  try {
    const file = readFileSync(cacheFile);
    const end = file.indexOf(10);
    return end > 0 && file.toString('utf8', 0, end) === key ? file.subarray(end + 1) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(script, key) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing was written.
    }
  }
}

let status;
try {
  status = statSync(bundle);
} catch {
  console.error('vlm is not built yet: run "npm run build" in the repository root.');
  process.exit(2);
}
// A rebuilt bundle has another size or modification time; V8 itself checks only the length.
const key = `vlm-code-cache ${status.size} ${status.mtimeMs} ${process.version} ${process.arch}`;
const cachedData = readCache(key);
// esbuild writes ASCII (its default charset); ASCII read as latin1 is the same text, without the
// UTF-8 decoding of megabytes (about 5 ms). Any other byte gets the UTF-8 read.
const bytes = readFileSync(bundle);
const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
// Functions compiled during this run go into the cache too, so it is written after the command.
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', (code) => {
    if (code !== 2) writeCache(script, key);
  });
}
const bundleModule = new Module(bundle, module);
bundleModule.filename = bundle;
bundleModule.paths = Module._nodeModulePaths(dirname(bundle));
bundleModule.loaded = true;
script.runInThisContext()(bundleModule.exports, Module.createRequire(bundle), bundleModule, bundle, dirname(bundle));
