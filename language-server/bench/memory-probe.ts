// Child process of the benchmark: loads one engine, validates and completes one lab size a few
// times, and prints its peak memory as a JSON line. One engine per process, so figures don't mix.
import { completionCases, generateLab, withRunMarker } from './generate-lab';
import { createEngine, labDocument, type EngineName } from './engines';
import { elementAt } from '../src/element-at';

async function main(): Promise<void> {
  const [engineName, vmCountText, runsText] = process.argv.slice(2);
  if ((engineName !== 'ours' && engineName !== 'anchor') || !vmCountText || !runsText) {
    throw new Error(`usage: memory-probe.ts ours|anchor VM_COUNT RUNS (got: ${process.argv.slice(2).join(' ')})`);
  }
  const vmCount = Number(vmCountText);
  const runs = Number(runsText);
  const engine = createEngine(engineName as EngineName);
  const lab = generateLab(vmCount);
  const completion = elementAt(completionCases(vmCount), 0);
  const rssAfterLoad = process.memoryUsage().rss;
  for (let run = 1; run <= runs; run += 1) {
    await engine.validate(labDocument(`memory-${vmCount}`, run, withRunMarker(lab, run)));
    await engine.complete(labDocument(`memory-completion-${vmCount}`, run, completion.text), completion.position);
  }
  // maxRSS is in kibibytes on Linux.
  const peakBytes = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ engine: engineName, vmCount, runs, rssAfterLoadBytes: rssAfterLoad, peakRssBytes: peakBytes }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
