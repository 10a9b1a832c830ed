// `vlm cloud` end to end against the EC2 stand-in: the built CLI, the AWS SDK signing with the
// keys stored through `vlm cloud secret set`, every region listed, a stop followed by the EC2
// waiter, the provider's refusals as exit codes; and no secret value in any output or file.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Ec2StandIn, startEc2StandIn } from '../../clouds/test/stand-ins/ec2-server';
import { type CloudHome, makeCloudHome } from './cloud-environment';
import { startVlm } from './running-vlm';
import { ensureBuilt, type VlmResult } from './run-vlm';

// Canaries: secret values that must never be seen again outside the encrypted file.
const accessKeyId = 'AKIAVLMCANARY0000001';
const secretAccessKey = 'canary-secret/3c6f1e0b9a2d47c8b5e4f7a1d2c3b4a5';
const wrongSecret = 'canary-wrong/9f8e7d6c5b4a39281706f5e4d3c2b1a0';

let standIn: Ec2StandIn;
let home: CloudHome;
/** An endpoint that accepts connections and never answers: a provider that hangs. */
let silent: Server;
const silentSockets: Socket[] = [];
/** Everything every vlm run printed, searched for the canaries at the end. */
const printed: string[] = [];

function record(result: VlmResult): VlmResult {
  printed.push(result.stdout, result.stderr);
  return result;
}

/** For commands that reach the stand-in, which answers from this process. */
async function vlm(commandLine: readonly string[]): Promise<VlmResult> {
  return record(await home.vlmAsync(commandLine));
}

function accounts(): Array<Record<string, unknown>> {
  const settings = { credentials: 'accessKey', endpoint: standIn.url };
  return [
    // hourlyPrices is every provider's setting: the AWS module must not refuse it as unknown.
    {
      id: 'prod',
      provider: 'aws',
      label: 'Production',
      settings: { ...settings, hourlyPrices: { currency: 'USD', bySize: { '*': '0.02' } } },
    },
    { id: 'wrong-key', provider: 'aws', settings: { ...settings, regions: ['eu-west-1'] } },
  ];
}

before(async () => {
  ensureBuilt();
  standIn = await startEc2StandIn({ count: 6, describesPerTransition: 1, credentials: [{ accessKeyId, secretAccessKey }] });
  silent = createServer((socket) => silentSockets.push(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  home = await makeCloudHome();
  await home.writeAccounts(accounts());
  for (const [account, key, value] of [
    ['prod', 'accessKeyId', accessKeyId],
    ['prod', 'secretAccessKey', `${secretAccessKey}\n`],
    ['wrong-key', 'accessKeyId', accessKeyId],
    ['wrong-key', 'secretAccessKey', wrongSecret],
  ] as const) {
    const stored = record(home.vlm(['cloud', 'secret', 'set', account, key], value));
    assert.equal(stored.status, 0, stored.stderr);
  }
});
after(async () => {
  for (const socket of silentSockets) socket.destroy();
  silent?.close();
  await standIn?.close();
  await home?.remove();
});

describe('vlm cloud list against the EC2 stand-in', () => {
  it('lists every instance of every region, with the IDs the actions take', async () => {
    const result = await vlm(['cloud', 'list', '--account', 'prod', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    const { instances, errors } = JSON.parse(result.stdout);
    assert.deepEqual(errors, []);
    const expected = standIn.instances.map((instance) => `prod/${instance.region}/${instance.id}`).sort();
    assert.deepEqual(instances.map((instance: { address: string }) => instance.address).sort(), expected);
    assert.deepEqual([...new Set(instances.map((instance: { location: string }) => instance.location))].sort(), ['eu-west-1', 'us-east-1']);
    const regionsListed = new Set(standIn.calls.filter((call) => call.action === 'DescribeInstances').map((call) => call.region));
    assert.deepEqual([...regionsListed].sort(), ['eu-west-1', 'us-east-1']);
  });

  it('prints a table, filtered by state and tag', async () => {
    const running = standIn.instances.filter((instance) => instance.state === 'running');
    const result = await vlm(['cloud', 'list', '--account', 'prod', '--filter', 'state:running Name=vm-1']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.lines[0] ?? '', /^ID +NAME +STATE +TYPE +PUBLIC +PRIVATE +UPTIME +PRICE\/H$/);
    const vm1 = running.find((instance) => instance.tags.Name === 'vm-1');
    assert.ok(vm1, 'the stand-in seeds vm-1 running');
    assert.equal(result.lines.length, 2);
    assert.match(result.lines[1] ?? '', new RegExp(`^prod/${vm1.region}/${vm1.id} +vm-1 +running +${vm1.type} `));
  });

  it("reports an account whose key AWS refuses beside the other account's instances, exit 1", async () => {
    const result = await vlm(['cloud', 'list', '--json']);
    assert.equal(result.status, 1);
    const { instances, errors } = JSON.parse(result.stdout);
    assert.equal(instances.length, standIn.instances.length);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].account, 'wrong-key');
    assert.equal(errors[0].kind, 'auth');
    assert.match(result.stderr, /^vlm: wrong-key(\/eu-west-1)?: aws: .*\((SignatureDoesNotMatch|AuthFailure)\)\./);
  });
});

describe('vlm cloud power actions against the EC2 stand-in', () => {
  it('stops an instance and follows it with --wait until it is stopped', async () => {
    const target = standIn.instances.find((instance) => instance.state === 'running');
    assert.ok(target);
    const id = `prod/${target.region}/${target.id}`;
    const result = await vlm(['cloud', 'stop', id, '--wait']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.lines[0], `Stopping ${id}.`);
    assert.equal(result.lines.at(-1), `${id} is stopped.`);
    assert.equal(target.state, 'stopped');
    assert.ok(standIn.calls.some((call) => call.action === 'StopInstances' && call.region === target.region));
    const listed = JSON.parse((await vlm(['cloud', 'list', '--account', 'prod', '--json', '--filter', 'state:stopped'])).stdout);
    assert.ok(listed.instances.some((instance: { address: string }) => instance.address === id));
  });

  it('takes LOCATION/INSTANCE with --account, and refuses names the provider refuses, exit 2', async () => {
    const target = standIn.instances.find((instance) => instance.state === 'stopped');
    assert.ok(target);
    const started = await vlm(['cloud', 'start', `${target.region}/${target.id}`, '--account', 'prod']);
    assert.equal(started.status, 0, started.stderr);
    const region = await vlm(['cloud', 'stop', 'prod/mars-1/i-00000000000000001']);
    assert.equal(region.status, 2);
    assert.equal(
      region.stderr,
      'vlm: aws: region "mars-1" is not an AWS region name; expected a name such as us-east-1 or ap-southeast-2.\n',
    );
  });

  it("prints the provider's refusal with its code, exit 1", async () => {
    const target = standIn.instances.find((instance) => instance.state === 'running');
    assert.ok(target);
    standIn.deny('RebootInstances');
    const result = await vlm(['cloud', 'reboot', `prod/${target.region}/${target.id}`]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^vlm: aws: .*\(UnauthorizedOperation\)\./);
    assert.equal(target.reboots, 0);
  });
});

describe('vlm cloud list and Ctrl-C', () => {
  it('stops waiting for a provider that does not answer, exit 130 without output', async () => {
    const endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const hanging = { id: 'hanging', provider: 'aws', settings: { credentials: 'accessKey', endpoint, regions: ['eu-west-1'] } };
    await home.writeAccounts([...accounts(), hanging]);
    try {
      record(home.vlm(['cloud', 'secret', 'set', 'hanging', 'accessKeyId'], accessKeyId));
      record(home.vlm(['cloud', 'secret', 'set', 'hanging', 'secretAccessKey'], secretAccessKey));
      const connected = once(silent, 'connection');
      const running = startVlm(['cloud', 'list', '--account', 'hanging'], home.environment);
      await connected;
      running.signal('SIGINT');
      const result = record(await running.finished);
      assert.equal(result.status, 130);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, '');
    } finally {
      await home.writeAccounts(accounts());
    }
  });
});

describe('vlm cloud with a secrets file from another key', () => {
  it('refuses it, naming the file and the key file, and sends nothing signed', async () => {
    const key = await readFile(home.keyPath);
    const callsBefore = standIn.calls.length;
    await writeFile(home.keyPath, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      const expected =
        `vlm: the secrets file ${home.secretsPath} was encrypted with another key than the key file ${home.keyPath} (or its key check was altered): ` +
        'nothing in it can be read. Use the key it was written with, or move the file away and set the secrets again.\n';
      for (const commandLine of [
        ['cloud', 'list', '--account', 'prod'],
        ['cloud', 'list', '--json'],
        ['cloud', 'stop', `prod/${standIn.regions[0]}/${standIn.instances[0]?.id}`],
      ]) {
        const result = await vlm(commandLine);
        assert.equal(result.status, 2, commandLine.join(' '));
        assert.equal(result.stdout, '');
        assert.equal(result.stderr, expected);
      }
      assert.equal(standIn.calls.length, callsBefore, 'nothing reached EC2');
    } finally {
      await writeFile(home.keyPath, key, { mode: 0o600 });
    }
  });
});

describe('secrets stay secret', () => {
  it('never appear in accounts --json, list --json, errors, or the accounts and secrets files', async () => {
    const accounts = await vlm(['cloud', 'accounts', '--json']);
    assert.deepEqual(JSON.parse(accounts.stdout).accounts[0].secrets, ['accessKeyId', 'secretAccessKey']);
    await vlm(['cloud', 'list', '--json']);
    record(home.vlm(['cloud', 'secret', 'set', 'prod', 'sessionToken', 'on-the-command-line']));
    const files = [await readFile(home.accountsPath, 'utf8'), await readFile(home.secretsPath, 'utf8')];
    for (const canary of [accessKeyId, secretAccessKey, wrongSecret, 'canary-']) {
      for (const text of [...printed, ...files]) {
        assert.ok(!text.includes(canary), `found ${canary} in ${text.slice(0, 200)}`);
        assert.ok(!text.includes(Buffer.from(canary).toString('base64')));
      }
    }
    assert.ok(printed.length >= 20, 'the search covered every command of this file');
  });
});
