// Listing through @google-cloud/compute against the loopback stand-in: the token comes over the
// wire from the credentials file's token_url, pages follow nextPageToken, nothing leaves loopback.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GcpFixture, offLoopback, openGcpFixture, project, zones } from './gcp-fixture.js';

describe('GCP listing', () => {
  let fixture: GcpFixture;
  before(async () => {
    fixture = await openGcpFixture();
  });
  after(() => fixture.close());

  test("the token is fetched from the credentials file's token_url and sent as a bearer token", async () => {
    const { state } = fixture.standIn;
    state.addInstance('europe-west1-b', 'web-1', { labels: { env: 'dev' } });
    const provider = fixture.provider();
    const instance = await provider.getInstance('europe-west1-b', 'web-1');
    assert.equal(instance.name, 'web-1');
    assert.equal(fixture.standIn.tokenGrants, 1);
    const call = fixture.standIn.requests.find((request) => request.path.endsWith('/instances/web-1'));
    assert.match(call?.authorization ?? '', /^Bearer ya29\.stand-in-/);
    assert.deepEqual(offLoopback(), []);
  });
});
