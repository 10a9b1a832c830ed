// `vlm cloud list|stop` on a GCP account, through the built CLI and @google-cloud/compute, against
// the Compute Engine stand-in in its own process (vlm runs with spawnSync, which would block it).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { type CloudHome, makeCloudHome } from './cloud-environment';
import { ensureBuilt } from './run-vlm';

const project = 'vlm-test-project';
let home: CloudHome;
let standIn: ChildProcess;
let credentials: Record<string, string>;

before(async () => {
  ensureBuilt();
  home = await makeCloudHome();
  const instances = [
    { zone: 'europe-west1-b', name: 'web-1' },
    { zone: 'us-central1-a', name: 'db-1', status: 'TERMINATED' },
  ];
  const options = JSON.stringify({ project, zones: ['europe-west1-b', 'us-central1-a'], instances });
  standIn = spawn(process.execPath, ['--import', 'tsx', 'clouds/test/stand-ins/gcp-serve.ts', options], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: standIn.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  const started = JSON.parse(line) as { url: string; credentials: Record<string, string> };
  credentials = started.credentials;
  const keyFile = join(home.folder, 'gcp-credentials.json');
  await writeFile(keyFile, JSON.stringify(credentials), { mode: 0o600 });
  await home.writeAccounts([{ id: 'lab', provider: 'gcp', settings: { project, keyFile, apiEndpoint: started.url } }]);
});

after(async () => {
  if (standIn.exitCode === null) {
    const exited = once(standIn, 'exit');
    standIn.kill('SIGTERM');
    await exited;
  }
  await home.remove();
});

test('vlm cloud list and stop reach Compute Engine through the same provider code', () => {
  const listed = home.vlm(['cloud', 'list', '--provider', 'gcp', '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  const { instances, errors } = JSON.parse(listed.stdout);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    instances.map((instance: Record<string, unknown>) => [instance.address, instance.state, instance.size]),
    [
      ['lab/europe-west1-b/web-1', 'running', 'e2-medium'],
      ['lab/us-central1-a/db-1', 'stopped', 'e2-medium'],
    ],
  );
  const stopped = home.vlm(['cloud', 'stop', 'lab/europe-west1-b/web-1']);
  assert.equal(stopped.status, 0, stopped.stderr);
  const after = JSON.parse(home.vlm(['cloud', 'list', '--json']).stdout);
  assert.equal(after.instances[0].providerState, 'STOPPING');
  const refused = home.vlm(['cloud', 'stop', 'lab/europe-west1-b/Web_1']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /instance name "Web_1" is not a Compute Engine name/);
  for (const output of [listed, stopped, refused]) {
    for (const secret of [credentials.refresh_token, credentials.client_secret]) {
      assert.ok(secret && !`${output.stdout}${output.stderr}`.includes(secret), 'no secret in the output');
    }
  }
});
