// 1,000 EC2 instances over 17 regions, the stand-in answering each call after 80 ms as a far-away
// service would: every region listed in parallel (listAllInstances, as the CLI and the tree do)
// against region by region (the same helper, one region at a time), medians of several runs.
// Everything goes through the real SDK (signing, XML parsing) to the loopback stand-in, which runs
// in its own process as a remote service would, so its work does not share this event loop.
// Each mode keeps one provider (its region clients, the enabled regions), as the tree does between refreshes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createAwsProvider } from '../src/aws/aws-provider';
import { parseAwsSettings } from '../src/aws/aws-settings';
import { listAllInstances } from '../src/instance-listing';
import { standInCredentials } from '../test/stand-ins/ec2-server';

const regions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
];
const instanceCount = 1000;
const latencyMs = 80;
const runs = process.argv.includes('--quick') ? 3 : Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 7);
const target = 0.25;

// No metadata service, no user's ~/.aws: the keys come from the SecretSource below.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = '/dev/null';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';

function median(samples: number[]): number {
  const ordered = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? (ordered[middle] ?? 0) : ((ordered[middle - 1] ?? 0) + (ordered[middle] ?? 0)) / 2;
}

/** The stand-in in a child process; resolves with its URL once it listens. */
async function startStandInProcess(latency: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = join(__dirname, '../test/stand-ins/ec2-server.ts');
  const seed = JSON.stringify({ regions, count: instanceCount, latencyMs: latency });
  const child = spawn(process.execPath, ['--import', 'tsx', script, seed], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    url: (JSON.parse(line) as { url: string }).url,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

async function main(): Promise<void> {
  // The second stand-in answers at once: listing through it is the work no parallelism hides
  // (the SDK parsing 1000 instances' XML, signing), shown beside the ratio to explain it.
  const standIns = await Promise.all([startStandInProcess(latencyMs), startStandInProcess(0)]);
  const [standIn, instantStandIn] = standIns;
  const settings = parseAwsSettings({ credentials: 'accessKey', endpoint: standIn.url });
  const instantSettings = parseAwsSettings({ credentials: 'accessKey', endpoint: instantStandIn.url });
  const secrets = {
    get: async (_account: string, key: string) => (standInCredentials as unknown as Record<string, string | undefined>)[key],
  };
  const modes = [
    { concurrency: 1, settings },
    { concurrency: 8, settings },
    { concurrency: undefined, settings },
    { concurrency: undefined, settings: instantSettings },
  ].map((mode) => ({
    concurrency: mode.concurrency,
    provider: createAwsProvider({ id: 'bench', provider: 'aws', settings: {} }, mode.settings, secrets),
    samples: [] as number[],
  }));
  try {
    // Run 0 is not timed (module loading, sockets, enabled regions); the modes take turns, so a
    // busy machine slows them alike.
    for (let run = 0; run <= runs; run++) {
      for (const mode of modes) {
        const started = performance.now();
        const listing = await listAllInstances(mode.provider, { concurrency: mode.concurrency });
        if (run > 0) mode.samples.push(performance.now() - started);
        if (listing.instances.length !== instanceCount || listing.errors.length > 0) {
          throw new Error(`listed ${listing.instances.length} instances with ${listing.errors.length} failed regions`);
        }
      }
    }
  } finally {
    for (const mode of modes) mode.provider.dispose();
    await Promise.all(standIns.map((running) => running.stop()));
  }
  const [sequential, eightAtOnce, parallel, instant] = modes.map((mode) => mode.samples) as [number[], number[], number[], number[]];
  const anchor = median(sequential);
  const ratio = median(parallel) / anchor;
  console.log(`EC2 listing, ${instanceCount} instances over ${regions.length} regions, ${latencyMs} ms per call, ${runs} runs, medians:`);
  console.log(`  region by region (anchor):                ${anchor.toFixed(0)} ms`);
  console.log(
    `  parallel, listAllInstances (all at once): ${median(parallel).toFixed(0)} ms = ${ratio.toFixed(2)}x (target <= ${target}x)`,
  );
  console.log(
    `  parallel, 8 regions at a time:            ${median(eightAtOnce).toFixed(0)} ms = ${(median(eightAtOnce) / anchor).toFixed(2)}x`,
  );
  console.log(`  the same, answered at once (work parallelism cannot hide): ${median(instant).toFixed(0)} ms`);
  if (ratio > target) console.log(`  target missed: ${ratio.toFixed(2)}x > ${target}x`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
