// Crash safety of the state store: a writer is killed with SIGKILL at many different moments
// (during start-up, right after opening, mid-write, between writes); after each kill the state
// file must parse and hold every write the writer had acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { StateStore } from '../../src/state/state-store';

const kills = 200;

type Trigger = { kind: 'spawned' } | { kind: 'ready' } | { kind: 'begin'; count: number } | { kind: 'ack'; count: number };

function triggerFor(iteration: number): Trigger {
  const count = 1 + ((iteration * 7) % 6);
  switch (iteration % 4) {
    case 0:
      return { kind: 'spawned' };
    case 1:
      return { kind: 'ready' };
    case 2:
      return { kind: 'begin', count };
    default:
      return { kind: 'ack', count };
  }
}

interface RunResult {
  acknowledged: string[];
  stderr: string;
  exitSignal: NodeJS.Signals | null;
}

/** Starts the writer and kills it with SIGKILL the moment `trigger` is seen on its output. */
function runAndKill(bundle: string, dataDirectory: string, run: number, trigger: Trigger): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dataDirectory, `r${run}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let stderr = '';
    let begins = 0;
    const kill = () => child.kill('SIGKILL');
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line === 'ready' && trigger.kind === 'ready') kill();
      if (line.startsWith('begin ')) {
        begins += 1;
        if (trigger.kind === 'begin' && begins === trigger.count) kill();
      }
      if (line.startsWith('ack ')) {
        acknowledged.push(line.slice(4));
        if (trigger.kind === 'ack' && acknowledged.length === trigger.count) kill();
      }
    });
    if (trigger.kind === 'spawned') kill();
    child.on('error', reject);
    // 'close' waits for the output streams, so every ack printed before the kill is counted.
    child.on('close', (code, signal) => {
      if (signal === null) reject(new Error(`writer exited by itself with code ${code}: ${stderr}`));
      else resolve({ acknowledged, stderr, exitSignal: signal });
    });
  });
}

test(`every acknowledged write survives ${kills} kill -9s of the writer`, { timeout: 120_000 }, async (context) => {
  const work = await mkdtemp(join(tmpdir(), 'vlm-kill-test-'));
  try {
    const bundle = join(work, 'acknowledged-writer.js');
    await build({
      entryPoints: [join(__dirname, 'fixtures', 'acknowledged-writer.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
    const dataDirectory = join(work, 'data');
    const allAcknowledged = new Set<string>();
    let takeovers = 0;
    let killedMidWrite = 0;
    for (let run = 0; run < kills; run += 1) {
      const result = await runAndKill(bundle, dataDirectory, run, triggerFor(run));
      assert.equal(result.exitSignal, 'SIGKILL');
      assert.doesNotMatch(result.stderr, /corrupt|Another vlm-host/, `run ${run}: ${result.stderr}`);
      if (/Took over the stale lock/.test(result.stderr)) takeovers += 1;
      for (const id of result.acknowledged) allAcknowledged.add(id);
      let text: string;
      try {
        text = await readFile(join(dataDirectory, 'state.json'), 'utf8');
      } catch (error) {
        // Only possible before the very first write ever completed.
        assert.equal(allAcknowledged.size, 0, `run ${run}: state.json missing after acknowledged writes`);
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOENT');
        continue;
      }
      const state = JSON.parse(text) as { schema_version: number; labs: Record<string, { deployLog: { text: string }[] }> };
      assert.equal(state.schema_version, 2);
      const present = new Set((state.labs['kill-test']?.deployLog ?? []).map((line) => line.text));
      const missing = [...allAcknowledged].filter((id) => !present.has(id));
      assert.deepEqual(missing, [], `run ${run}: acknowledged writes lost`);
      const written = present.size;
      if (written > allAcknowledged.size) killedMidWrite += 1;
    }
    // The kills covered the cases that matter.
    assert.ok(allAcknowledged.size >= 100, `only ${allAcknowledged.size} writes were acknowledged`);
    assert.ok(takeovers >= 50, `the stale lock was taken over only ${takeovers} times`);
    // The store opens cleanly after the last kill and still has everything.
    const store = await StateStore.open({ dataDirectory });
    try {
      const texts = new Set(store.state.labs['kill-test']?.deployLog.map((line) => line.text));
      for (const id of allAcknowledged) assert.ok(texts.has(id), `${id} missing after reopening`);
    } finally {
      await store.close();
    }
    context.diagnostic(`acknowledged ${allAcknowledged.size}, takeovers ${takeovers}, written-not-acknowledged seen ${killedMidWrite}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
