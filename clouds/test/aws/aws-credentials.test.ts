// Where AWS credentials come from, through the real SDK against the stand-in: a named profile in
// a (temporary) shared credentials file, the environment, expired session keys; and the account
// settings refused with a message naming the field.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CloudError } from '../../src/cloud-errors.js';
import { awsProviderModule } from '../../src/aws/aws-provider.js';
import { standInCredentials } from '../stand-ins/ec2-server.js';
import { type AwsWorld, refusedHosts, startAwsWorld } from './aws-fixture.js';

const expiring = { accessKeyId: 'ASIAVLMSTANDIN00002', secretAccessKey: 'second/test/secret', sessionToken: 'session-token-that-expired' };
const session = { accessKeyId: 'ASIAVLMSTANDIN00003', secretAccessKey: 'third/test/secret', sessionToken: 'a-current-session-token' };
let world: AwsWorld;

before(async () => {
  world = await startAwsWorld({ count: 4, credentials: [standInCredentials, { ...expiring, expired: true }, session] });
  await world.writeProfile('vlm-lab', standInCredentials);
  await world.writeProfile('vlm-expired', expiring);
  // The SDK reads each file once per process, so every profile is written before the first test.
  const program = join(world.folder, 'print-keys.js');
  const keys = { Version: 1, AccessKeyId: standInCredentials.accessKeyId, SecretAccessKey: standInCredentials.secretAccessKey };
  await writeFile(program, `process.stdout.write(${JSON.stringify(JSON.stringify(keys))});\n`);
  await writeFile(join(world.folder, 'config'), `[profile vlm-process]\ncredential_process = ${process.execPath} ${program}\n`, {
    mode: 0o600,
  });
});
after(async () => {
  await world.close();
  assert.deepEqual(refusedHosts, [], 'no connection left loopback');
});

test('a named profile from the shared credentials file signs the requests', async () => {
  const provider = world.provider({ profile: 'vlm-lab' });
  const locations = await provider.listLocations();
  assert.deepEqual(
    locations.map((location) => location.id),
    ['us-east-1', 'eu-west-1'],
  );
  assert.equal((await provider.listInstances('eu-west-1')).instances.length, 2);
});

test('a profile with a credential_process in the config file gets its keys from that program', async () => {
  assert.equal((await world.provider({ profile: 'vlm-process' }).listLocations()).length, 2);
});

test('the standard chain takes keys from the environment', async () => {
  process.env.AWS_ACCESS_KEY_ID = standInCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = standInCredentials.secretAccessKey;
  try {
    assert.equal((await world.provider({}).listLocations()).length, 2);
  } finally {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  }
});

test('typed-in temporary keys sign with their session token, and a wrong token is refused', async () => {
  assert.equal((await world.provider({ credentials: 'accessKey' }, session).listLocations()).length, 2);
  const wrongToken = world.provider({ credentials: 'accessKey' }, { ...session, sessionToken: 'another-token' });
  await assert.rejects(wrongToken.listLocations(), (error: CloudError) => error.kind === 'auth' && error.details.code === 'AuthFailure');
  const withoutToken = world.provider(
    { credentials: 'accessKey' },
    { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
  );
  await assert.rejects(withoutToken.listLocations(), { kind: 'auth' });
});

test('expired session keys are an auth error that says to sign in again', async () => {
  await assert.rejects(world.provider({ profile: 'vlm-expired' }).listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'auth');
    assert.equal(error.details.code, 'RequestExpired');
    assert.match(error.details.hint ?? '', /expired: sign in again/);
    assert.doesNotMatch(error.describe(), /session-token-that-expired|second\/test\/secret/);
    return true;
  });
});

test('a profile that does not exist is an auth error with what to run, and nothing is sent', async () => {
  const before = world.standIn.calls.length;
  await assert.rejects(world.provider({ profile: 'no-such-profile' }).listLocations(), (error: CloudError) => {
    assert.equal(error.kind, 'auth');
    assert.equal(error.details.code, 'CredentialsProviderError');
    assert.match(error.details.hint ?? '', /aws configure/);
    return true;
  });
  assert.equal(world.standIn.calls.length, before);
});

test('settings as users write them are accepted with their defaults', () => {
  assert.deepEqual(awsProviderModule.parseSettings({}), { regions: 'all', credentials: 'standard', costExplorer: true });
  assert.deepEqual(
    awsProviderModule.parseSettings({
      profile: 'work-sso',
      regions: ['eu-central-1', 'us-gov-west-1'],
      endpoint: 'https://ec2.example.com:8443/',
      costExplorer: false,
      costExplorerEndpoint: 'http://127.0.0.1:9000',
    }),
    {
      profile: 'work-sso',
      regions: ['eu-central-1', 'us-gov-west-1'],
      endpoint: 'https://ec2.example.com:8443',
      credentials: 'standard',
      costExplorer: false,
      costExplorerEndpoint: 'http://127.0.0.1:9000',
    },
  );
  assert.deepEqual(awsProviderModule.secretKeys, ['accessKeyId', 'secretAccessKey', 'sessionToken']);
});

test('bad settings are refused naming the field, what was wrong and what is allowed', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ region: 'us-east-1' }, /settings\.region is not an AWS setting; allowed: profile, regions, endpoint, credentials/],
    [{ regions: [] }, /settings\.regions must be "all" or a non-empty list/],
    [{ regions: 'us-east-1' }, /settings\.regions must be "all"/],
    [{ regions: ['us-east-1', 'us-east-1'] }, /lists us-east-1 twice/],
    [{ regions: ['us-east-1', 'eu west 1'] }, /settings\.regions\[1\] "eu west 1" is not an AWS region name/],
    [{ regions: [42] }, /settings\.regions\[0\] number is not an AWS region name/],
    [{ endpoint: 'http://ec2.example.com' }, /settings\.endpoint must use https \(plain http is allowed only to 127\.0\.0\.1/],
    [{ endpoint: 'https://ec2.example.com/path' }, /no user, path, query or fragment/],
    [{ endpoint: 'https://user:pass@ec2.example.com' }, /no user, path, query or fragment/],
    [{ endpoint: 'not a url' }, /settings\.endpoint "not a url" is not a URL/],
    [{ endpoint: 'file:///etc/passwd' }, /must use https/],
    [{ credentials: 'keys' }, /settings\.credentials must be "standard" .* or "accessKey"/],
    [{ profile: 'x y' }, /settings\.profile must be a profile name/],
    [{ profile: 'lab', credentials: 'accessKey' }, /settings\.profile applies to the standard credentials only/],
    [{ costExplorer: 'yes' }, /settings\.costExplorer must be true \(ask Cost Explorer, USD 0\.01 a call\) or false/],
    [{ costExplorerEndpoint: 'http://ce.example.com' }, /settings\.costExplorerEndpoint must use https/],
  ];
  for (const [settings, message] of cases) {
    assert.throws(
      () => awsProviderModule.parseSettings(settings),
      (error: CloudError) => error.kind === 'invalidInput' && message.test(error.message),
      JSON.stringify(settings),
    );
  }
});
