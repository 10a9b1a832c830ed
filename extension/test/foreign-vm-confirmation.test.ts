// The flow the "Delete VM" and "Revert to Snapshot" commands follow for a domain VLM did not make,
// against a real vlm-host on libvirt's test driver: refused at first, the user is asked for its
// name, and only the exact name goes ahead; cancelling or a wrong name changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostErrorCode,
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsRevertRequest,
  VmsDeleteRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import { sendConfirmingForeign, isForeignRefusal, typedNameProblem } from '../src/foreign-vm-confirmation';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'extension-foreign' });
});

after(async () => {
  await fixture?.dispose();
});

const exists = async (name: string) => (await fixture.client.sendRequest(VmsListRequest.type, {})).vms.some((vm) => vm.name === name);
const send = (confirmForeign?: string) =>
  fixture.client.sendRequest(VmsDeleteRequest.type, { vm: 'test', ...(confirmForeign === undefined ? {} : { confirmForeign }) });

describe('asking for the name of a VM VLM did not make, from the extension', () => {
  test('the input box accepts only the exact domain name', () => {
    assert.equal(typedNameProblem('test', 'test'), undefined);
    for (const typed of ['', 'tes', 'Test', 'test ', ' test'])
      assert.equal(typedNameProblem(typed, 'test'), 'Type the domain name exactly: test');
  });

  test('the host refusal is recognized; other errors are not taken for it', async () => {
    await assert.rejects(send(), (error: unknown) => isForeignRefusal(error));
    assert.equal(isForeignRefusal(Object.assign(new Error('x'), { code: HostErrorCode.InvalidState, data: { field: '/vm' } })), false);
    assert.equal(isForeignRefusal(new Error('x')), false);
  });

  test('reverting a snapshot of it follows the same flow: refused, asked, reverted only with its name', async () => {
    const { client } = fixture;
    await client.sendRequest(SnapshotsCreateRequest.type, { vm: 'test', name: 'own-before' });
    const revert = (confirmForeign?: string) =>
      client.sendRequest(SnapshotsRevertRequest.type, {
        vm: 'test',
        name: 'own-before',
        ...(confirmForeign === undefined ? {} : { confirmForeign }),
      });
    const reasons: string[] = [];
    const askForName = async (_domain: string, reason: string) => {
      reasons.push(reason);
      return undefined;
    };
    assert.equal(await sendConfirmingForeign('test', { send: revert, askForName }), undefined);
    assert.match(reasons[0] ?? '', /To revert it to snapshot "own-before" anyway, repeat its exact name/);
    assert.equal((await sendConfirmingForeign('test', { send: revert, askForName: async (domain) => domain }))?.name, 'test');
    await client.sendRequest(SnapshotsDeleteRequest.type, { vm: 'test', name: 'own-before', confirmForeign: 'test' });
  });
});

describe('deleting a VM VLM did not make, from the extension', () => {
  test('cancelled or mistyped: asked once with the host reason, nothing deleted', async () => {
    const asked: Array<{ domain: string; reason: string }> = [];
    for (const answer of [undefined, 'tes', 'TEST']) {
      const result = await sendConfirmingForeign('test', {
        send,
        askForName: async (domain, reason) => {
          asked.push({ domain, reason });
          return answer;
        },
      });
      assert.equal(result, undefined);
      assert.ok(await exists('test'), `still there after answering ${String(answer)}`);
    }
    assert.equal(asked.length, 3);
    assert.equal(asked[0]?.domain, 'test');
    assert.match(asked[0]?.reason ?? '', /VM "test" was not made by this host/);
  });

  test('the exact name typed: deleted', async () => {
    const result = await sendConfirmingForeign('test', { send, askForName: async (domain) => domain });
    assert.equal(result?.deleted, 'test');
    assert.equal(await exists('test'), false);
  });

  test('other refusals are not turned into a question', async () => {
    let asked = false;
    await assert.rejects(
      sendConfirmingForeign('test', {
        send,
        askForName: async () => {
          asked = true;
          return 'test';
        },
      }),
      (error: unknown) => (error as { code?: number }).code === HostErrorCode.NotFound,
    );
    assert.equal(asked, false);
  });
});
