// Compute Engine's failures, answered by the stand-in in Google's error JSON, as the user sees
// them: a kind, Google's own code and what to do. Throttling is retried; no secret leaks.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CloudError } from '../../src/cloud-errors.js';
import type { CloudProvider } from '../../src/cloud-provider.js';
import { closedPort, type GcpFixture, openGcpFixture, project, strayConnections } from './gcp-fixture.js';

const zone = 'europe-west1-b';
const seen: CloudError[] = [];

/** Checks the kind and Google's code, and keeps the error for the secrets check at the end. */
function failsWith(kind: string, code: string, status?: number) {
  return (error: unknown) => {
    assert.ok(error instanceof CloudError, String(error));
    seen.push(error);
    assert.equal(error.kind, kind, error.describe());
    assert.equal(error.details.code, code);
    if (status !== undefined) assert.equal(error.details.status, status);
    assert.ok(error.details.hint, 'every error says what to do');
    return true;
  };
}

let fixture: GcpFixture;
let provider: CloudProvider;
const calls = (suffix: string) => fixture.standIn.requests.filter((request) => request.path.endsWith(suffix)).length;
before(async () => {
  fixture = await openGcpFixture();
  fixture.standIn.state.addInstance(zone, 'web-1');
  provider = fixture.provider();
});
after(() => fixture.close());

test('429 rateLimitExceeded is retried with backoff and the call succeeds', async () => {
  const limited = { status: 429, reason: 'rateLimitExceeded', googleStatus: 'RESOURCE_EXHAUSTED', message: 'Rate Limit Exceeded' };
  fixture.standIn.failNext({ ...limited, match: /^GET .*\/instances\/web-1$/, times: 2 });
  const sentBefore = calls('/instances/web-1');
  assert.equal((await provider.getInstance(zone, 'web-1')).state, 'running');
  assert.equal(calls('/instances/web-1') - sentBefore, 3);
  fixture.standIn.failNext({ ...limited, match: /^GET .*\/instances\/web-1$/, times: 5 });
  await assert.rejects(provider.getInstance(zone, 'web-1'), failsWith('throttled', 'rateLimitExceeded', 429));
  assert.equal(calls('/instances/web-1') - sentBefore, 3 + 5, 'one try and four retries, then it gives up');
});

test("503 is retried; 500 is not, with or without Google's error JSON", async () => {
  fixture.standIn.failNext({
    status: 503,
    reason: 'backendError',
    googleStatus: 'UNAVAILABLE',
    message: 'Backend Error',
    match: /instances\/web-1$/,
  });
  assert.equal((await provider.getInstance(zone, 'web-1')).name, 'web-1');
  const sentBefore = calls('/instances/web-1');
  fixture.standIn.failNext({
    status: 500,
    reason: 'backendError',
    googleStatus: 'INTERNAL',
    message: 'Internal error.',
    match: /instances\/web-1$/,
  });
  await assert.rejects(provider.getInstance(zone, 'web-1'), failsWith('provider', 'backendError', 500));
  fixture.standIn.failNext({ status: 500, body: 'html', match: /instances\/web-1$/ });
  await assert.rejects(provider.getInstance(zone, 'web-1'), failsWith('provider', 'HTTP 500', 500));
  assert.equal(calls('/instances/web-1') - sentBefore, 2);
});

test('a malformed answer is reported as such, never half-used', async () => {
  fixture.standIn.failNext({ status: 200, body: 'truncated', match: /\/instances$/ });
  await assert.rejects(provider.listInstances(zone), failsWith('malformed', 'malformed'));
  fixture.standIn.failNext({ status: 200, json: { kind: 'compute#instanceList', items: 'not a list' }, match: /\/instances$/ });
  await assert.rejects(provider.listInstances(zone), failsWith('malformed', 'malformed'));
});

test('401: an access token the service no longer accepts; a refresh token the token endpoint refuses', async () => {
  fixture.standIn.revokeTokens();
  await assert.rejects(provider.getInstance(zone, 'web-1'), failsWith('auth', 'authError', 401));
  const stale = join(fixture.folder, 'stale.json');
  writeFileSync(stale, JSON.stringify({ ...fixture.standIn.credentials, refresh_token: '1//revoked' }));
  const other = fixture.provider({ project, keyFile: stale, apiEndpoint: fixture.standIn.url });
  await assert.rejects(other.getInstance(zone, 'web-1'), failsWith('auth', 'invalid_grant', 400));
});

test('403 names the missing permission; quota and a disabled API say what to do', async () => {
  const fresh = fixture.provider();
  fixture.standIn.deny('compute.instances.stop');
  await assert.rejects(fresh.runAction(zone, 'web-1', 'stop'), (error: unknown) => {
    assert.ok(failsWith('permission', 'forbidden', 403)(error) && error instanceof CloudError);
    assert.match(error.message, /Required 'compute\.instances\.stop' permission for 'projects\/vlm-test-project'/);
    return true;
  });
  const quota = { status: 403, reason: 'quotaExceeded', googleStatus: 'PERMISSION_DENIED', message: "Quota 'INSTANCES' exceeded." };
  fixture.standIn.failNext({ ...quota, match: /\/start$/ });
  await assert.rejects(fresh.runAction(zone, 'web-1', 'start'), failsWith('quota', 'quotaExceeded', 403));
  const disabled = {
    status: 403,
    reason: 'accessNotConfigured',
    googleStatus: 'PERMISSION_DENIED',
    message: 'Compute Engine API has not been used in project 4242.',
  };
  fixture.standIn.failNext({ ...disabled, match: /\/zones$/ });
  await assert.rejects(fresh.listLocations(), (error: unknown) => {
    assert.ok(failsWith('permission', 'accessNotConfigured', 403)(error) && error instanceof CloudError);
    assert.match(error.details.hint ?? '', /Enable the Compute Engine API/);
    return true;
  });
});

test('404 for an instance, a zone or a project the account cannot see', async () => {
  const fresh = fixture.provider();
  await assert.rejects(fresh.getInstance(zone, 'missing-1'), failsWith('notFound', 'notFound', 404));
  await assert.rejects(fresh.listInstances('asia-east9-z'), failsWith('notFound', 'notFound', 404));
  const elsewhere = fixture.provider({ project: 'someone-elses-project', keyFile: fixture.keyFile, apiEndpoint: fixture.standIn.url });
  await assert.rejects(elsewhere.listLocations(), failsWith('permission', 'forbidden', 403));
});

test('an unreachable endpoint is reported as unreachable', async () => {
  const down = fixture.provider({ project, keyFile: fixture.keyFile, apiEndpoint: `http://127.0.0.1:${await closedPort()}` });
  await assert.rejects(down.getInstance(zone, 'web-1'), failsWith('unreachable', 'ECONNREFUSED'));
});

test('no error carries a secret: not the refresh token, client secret or any access token', () => {
  const { credentials, requests } = fixture.standIn;
  const secrets = [credentials.refresh_token, credentials.client_secret];
  for (const request of requests) if (request.authorization?.startsWith('Bearer ')) secrets.push(request.authorization.slice(7));
  assert.ok(seen.length >= 12 && secrets.length > 3);
  for (const error of seen) {
    const shown = `${error.describe()} ${JSON.stringify(error)} ${String(error)} ${error.stack} ${String(error.cause)}`;
    for (const secret of secrets) assert.ok(secret && !shown.includes(secret), `an error shows a secret: ${error.describe()}`);
  }
  assert.deepEqual(strayConnections(), []);
});
