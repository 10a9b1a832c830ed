// The launcher runs the bundle with V8's code cache, one per command: a cache is written after a
// run, used by the next one of that command, and any cache that is not for this bundle and Node
// (stale, foreign or damaged) is ignored and replaced. The output never depends on it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyVlmInto, ensureBuilt, repositoryRoot, runVlm } from './run-vlm';

const example = join(repositoryRoot, 'schemas', 'examples', 'three-tier-web.lab.yaml');
const badLab = 'name: cache-check\nvms:\n  - name: web\n    vcpu: many\n';

before(() => ensureBuilt());

function copiedVlm(): { folder: string; launcher: string; cacheFile: string } {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-code-cache-'));
  const launcher = copyVlmInto(folder);
  const cacheFile = join(folder, 'dist', 'vlm.js.validate.cache');
  for (const name of readdirSync(join(folder, 'dist'))) if (name.endsWith('.cache')) rmSync(join(folder, 'dist', name));
  return { folder, launcher, cacheFile };
}

function outputs(launcher: string): string[] {
  const good = runVlm(['validate', '--format', 'json', example], { launcher });
  const bad = runVlm(['validate', '-'], { launcher, input: badLab });
  return [String(good.status), good.stdout, good.stderr, String(bad.status), bad.stdout, bad.stderr];
}

test('the first run writes a cache for this bundle and Node; later runs use it and answer the same', (context) => {
  const { folder, launcher, cacheFile } = copiedVlm();
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const first = outputs(launcher);
  assert.ok(existsSync(cacheFile), 'a run leaves the code cache beside the bundle');
  const header = readFileSync(cacheFile).toString('latin1').split('\n', 1)[0] ?? '';
  const bundle = statSync(join(folder, 'dist', 'vlm.js'));
  assert.equal(header, `vlm-code-cache ${bundle.size} ${bundle.mtimeMs} ${process.version} ${process.arch}`);
  const written = statSync(cacheFile).mtimeMs;
  assert.deepEqual(outputs(launcher), first);
  assert.equal(statSync(cacheFile).mtimeMs, written, 'a cache that fits is used, not rewritten');
  assert.equal(first[0], '0');
  assert.equal(first[3], '1', 'the bad lab still fails');
});

test('a stale, foreign or damaged cache is ignored and replaced, and changes no answer', (context) => {
  const { folder, launcher, cacheFile } = copiedVlm();
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const expected = outputs(launcher);
  const fitting = readFileSync(cacheFile);
  const key = fitting.subarray(0, fitting.indexOf(10)).toString('latin1');
  const caches = {
    'another bundle': Buffer.concat([Buffer.from('vlm-code-cache 1 2 v0.0.0 x\n'), fitting.subarray(fitting.indexOf(10) + 1)]),
    'damaged data': Buffer.concat([Buffer.from(`${key}\n`), Buffer.from('not a V8 code cache at all')]),
    'no header': Buffer.from('garbage without a line break'),
    empty: Buffer.alloc(0),
  };
  for (const [what, cache] of Object.entries(caches)) {
    writeFileSync(cacheFile, cache);
    assert.deepEqual(outputs(launcher), expected, what);
    assert.ok(
      readFileSync(cacheFile)
        .subarray(0, key.length + 1)
        .equals(Buffer.from(`${key}\n`)),
      `${what}: replaced by a fitting cache`,
    );
  }
});

test('each command gets its own cache, a run naming none the shared one, and a usage error none', (context) => {
  const { folder, launcher } = copiedVlm();
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const caches = (): string[] =>
    readdirSync(join(folder, 'dist'))
      .filter((name) => name.endsWith('.cache'))
      .sort();
  assert.equal(runVlm(['no-such-command'], { launcher }).status, 2);
  assert.equal(runVlm(['../../escape'], { launcher }).status, 2);
  assert.deepEqual(caches(), [], 'a mistyped command leaves no cache');
  assert.equal(runVlm(['--version'], { launcher }).status, 0);
  assert.deepEqual(caches(), ['vlm.js.other.cache']);
  assert.equal(runVlm(['validate', example], { launcher }).status, 0);
  assert.deepEqual(caches(), ['vlm.js.other.cache', 'vlm.js.validate.cache']);
});
