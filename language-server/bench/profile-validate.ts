// Where validation time goes: profiles our service validating a large lab with the V8 sampling
// profiler and prints self time by package/file and by function.
// Run: node --import tsx language-server/bench/profile-validate.ts [VM_COUNT] [RUNS] [validate|complete|edit]
// (edit: one VM's vcpu line changed per run, validated with the change as LSP incremental sync gives it)
import { Session } from 'node:inspector/promises';
import { completionCases, generateLab, vmName, withRunMarker } from './generate-lab';
import { createOurs, labDocument } from './engines';
import { elementAt } from '../src/element-at';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** 'yaml-language-server', 'yaml', 'language-server/src/semantic-checks.ts', or '(native or V8)'. */
function ownerOf(url: string): string {
  if (!url) return '(native or V8)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inPackage?.[1]) return inPackage[1];
  return fileOf(url);
}

/** The file, shortened: from its package name on, or from the repository's workspace folder on. */
function fileOf(url: string): string {
  if (!url) return '(native or V8)';
  const path = url.replace(/^file:\/\//, '');
  const lastPackage = path.lastIndexOf('node_modules/');
  if (lastPackage >= 0) return path.slice(lastPackage + 'node_modules/'.length);
  const inWorkspace = /\/((?:language-server|cli|schemas|host-service|extension)\/.+)$/.exec(path);
  return inWorkspace?.[1] ?? path;
}

function printTop(title: string, totals: Map<string, number>, overall: number, count: number): void {
  console.log(title);
  const ranked = [...totals].sort((left, right) => right[1] - left[1]).slice(0, count);
  for (const [key, micros] of ranked) {
    console.log(`  ${(micros / 1000).toFixed(1).padStart(9)} ms  ${((100 * micros) / overall).toFixed(1).padStart(5)}%  ${key}`);
  }
}

async function main(): Promise<void> {
  const vmCount = Number(process.argv[2] ?? '1000');
  const runs = Number(process.argv[3] ?? '10');
  const operation = process.argv[4] ?? 'validate';
  const engine = createOurs();
  const lab = generateLab(vmCount);
  const completion = elementAt(completionCases(vmCount), 0);
  const labLines = lab.split('\n');
  const editOnce = (version: number) => {
    const nameLine = labLines.indexOf(`  - name: ${vmName((version * 379) % vmCount)}`);
    const line = labLines.findIndex((text, index) => index > nameLine && text.startsWith('    vcpu: '));
    const start = labLines.slice(0, line).reduce((offset, text) => offset + text.length + 1, 0);
    const before = (labLines[line] ?? '').length;
    labLines[line] = `    vcpu: ${1 + (version % 8)}`;
    const change = { start, oldEnd: start + before, newEnd: start + (labLines[line] ?? '').length };
    return engine.validate(labDocument('profile-edit', version, labLines.join('\n')), change);
  };
  const once = (version: number) =>
    operation === 'edit'
      ? editOnce(version)
      : operation === 'complete'
        ? engine.complete(labDocument('profile-complete', version, withRunMarker(completion.text, version)), completion.position)
        : engine.validate(labDocument('profile', version, withRunMarker(lab, version)));
  for (let version = 1; version <= 3; version += 1) await once(version);

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const started = performance.now();
  for (let run = 0; run < runs; run += 1) await once(100 + run);
  const wall = performance.now() - started;
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();

  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const functionKey = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anonymous)'}  ${fileOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let overall = 0;
  profile.samples.forEach((nodeId, index) => {
    const node = nodesById.get(nodeId);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node) return;
    overall += micros;
    const owner = ownerOf(node.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + micros);
    byFunction.set(functionKey(node), (byFunction.get(functionKey(node)) ?? 0) + micros);
    // Inclusive time: every distinct named function on the sampled stack.
    const onStack = new Set<string>();
    for (let current: ProfileNode | undefined = node; current; current = nodesById.get(parentOf.get(current.id) ?? -1)) {
      if (current.callFrame.url && current.callFrame.functionName) onStack.add(functionKey(current));
    }
    for (const key of onStack) inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  });
  console.log(`${operation} of a ${vmCount}-VM lab, ${runs} runs: ${(wall / runs).toFixed(1)} ms per run (mean, under the profiler)`);
  printTop('Self time by package or file:', byOwner, overall, 12);
  printTop('Self time by function:', byFunction, overall, 20);
  printTop('Inclusive time by function (where the calls come from):', inclusive, overall, Number(process.env.VLM_PROFILE_TOP ?? '25'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
