// Activation of the bundled extension (extension/dist/extension.js): load the bundle and run
// activate() with a stub `vscode`, each in a fresh Node process. Anchor, same run: loading an
// empty module the same way. Medians of alternating runs. The stub opens no lab file and shows no
// view, so, as in VS Code, activation connects no host and starts no language server.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 15);
const bundle = join(__dirname, '..', 'dist', 'extension.js');
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs extension/ first.`);
const folder = mkdtempSync(join(tmpdir(), 'vlm-activation-'));
const empty = join(folder, 'empty.js');
writeFileSync(empty, 'module.exports = {};\n');
const child = join(__dirname, 'activation-child.cjs');

function measure(file: string, mode: string): number {
  const result = spawnSync(process.execPath, [child, file, mode], { encoding: 'utf8' });
  const value = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(value)) throw new Error(`measuring ${file} failed: ${result.stderr}`);
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const anchor: number[] = [];
const activation: number[] = [];
for (let run = 0; run < runs; run++) {
  anchor.push(measure(empty, 'load'));
  activation.push(measure(bundle, 'activate'));
}
rmSync(folder, { recursive: true, force: true });
console.log(`Extension activation, ${runs} fresh processes each (medians):`);
console.log(`  anchor, require of an empty module:   ${median(anchor).toFixed(2)} ms`);
console.log(`  bundle loaded and activate() run:     ${median(activation).toFixed(2)} ms`);
console.log(`  ratio:                                ${(median(activation) / median(anchor)).toFixed(1)}`);
