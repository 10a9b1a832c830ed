// Runs the Compute Engine stand-in as its own process, for tests whose client blocks (the CLI run
// with spawnSync), end-to-end tests and demos. Argument: JSON { project, zones, instances:
// [{ zone, name, status? }] }. Prints one JSON line { url, credentials }; stops on SIGTERM or
// when standard input closes.
import { startGcpStandIn } from './gcp-server.js';

interface ServeOptions {
  project: string;
  zones: string[];
  instances?: Array<{ zone: string; name: string; status?: 'RUNNING' | 'TERMINATED' }>;
}

async function serve(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as ServeOptions;
  const standIn = await startGcpStandIn({ project: options.project, zones: options.zones });
  for (const { zone, name, status } of options.instances ?? []) standIn.state.addInstance(zone, name, status ? { status } : {});
  process.stdout.write(`${JSON.stringify({ url: standIn.url, credentials: standIn.credentials })}\n`);
  const stop = () => {
    standIn.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

serve().catch((error: unknown) => {
  process.stderr.write(`gcp-serve: ${String(error)}\n`);
  process.exit(1);
});
