// The real vlm-host process on libvirt's test driver, sent requests it must refuse or survive:
// hostile names, impossible sizes, unknown fields, oversized requests, floods and cancellations.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource, ResponseError, type ResponseMessage, StreamMessageReader } from 'vscode-jsonrpc/node';
import {
  EventsSubscribeRequest,
  HostErrorCode,
  HostInfoRequest,
  LabsListRequest,
  LabsPlanRequest,
  SnapshotsCreateRequest,
  SnapshotsListRequest,
  VmsListRequest,
  VmsStartRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { openHostSocket } from '@vlm/host-client/src/connection';
import { waitUntil } from '../../local-libvirt/wait-until';
import { rejectsWithHostError } from './host-process';
import { frameRequest } from '../support/json-rpc-frame';
import { tinyLab } from '../support/tiny-lab';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'host-api-requests', socketPath: join('run', 'vlm-host.sock') });
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm-host over its Unix socket (test driver): refused requests', () => {
  test('hostile names are refused before anything runs, and nothing is created', async () => {
    const pwned = join(fixture.folder, 'pwned');
    const hostile = ['a"b', "a'b", '<domain>', `$(touch ${pwned})`, '../../etc/passwd', 'a b', '', 'x'.repeat(300)];
    const before = (await fixture.client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort();
    for (const name of hostile) {
      await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, { vm: name }), HostErrorCode.InvalidParams, {
        field: '/vm',
        allowed: /libvirt domain name/,
      });
      await rejectsWithHostError(
        fixture.client.sendRequest(SnapshotsCreateRequest.type, { vm: 'test', name }),
        HostErrorCode.InvalidParams,
        {
          field: '/name',
          allowed: /snapshot name/,
        },
      );
      await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab(name) }), HostErrorCode.InvalidParams, {
        field: '/lab/name',
        allowed: /DNS label/,
      });
      const lab = tinyLab('safe');
      (lab.vms[0] as { name: string }).name = name;
      await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.InvalidParams, {
        field: '/lab/vms/0/name',
      });
    }
    assert.equal(existsSync(pwned), false);
    assert.deepEqual((await fixture.client.sendRequest(VmsListRequest.type, {})).vms.map((vm) => vm.name).sort(), before);
    assert.deepEqual((await fixture.client.sendRequest(SnapshotsListRequest.type, { vm: 'test' })).snapshots, []);
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('huge, negative and fractional sizes are refused with the allowed range', async () => {
    const cases: [Partial<Lab['vms'][number]>, string, RegExp][] = [
      [{ disk_gb: 1e12 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ disk_gb: -5 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ disk_gb: 1.5 }, '/lab/vms/0/disk_gb', /whole number from 1 to 65536/],
      [{ ram_mb: 2 ** 60 }, '/lab/vms/0/ram_mb', /whole number from 64 to 4194304/],
      [{ vcpu: 0 }, '/lab/vms/0/vcpu', /whole number from 1 to 256/],
      [{ ssh_port: 22 }, '/lab/vms/0/ssh_port', /whole number from 22000 to 22999/],
    ];
    for (const [override, field, allowed] of cases) {
      await rejectsWithHostError(
        fixture.client.sendRequest(LabsPlanRequest.type, { lab: tinyLab('sizes', override) }),
        HostErrorCode.InvalidParams,
        {
          field,
          allowed,
        },
      );
    }
    await rejectsWithHostError(
      fixture.client.sendRequest(EventsSubscribeRequest.type, { afterSequence: -1 }),
      HostErrorCode.InvalidParams,
      { field: '/afterSequence', allowed: /whole number/ },
    );
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('unknown fields, wrong shapes and unknown methods get specific errors', async () => {
    const unknownField = await rejectsWithHostError(
      fixture.client.sendRequest(VmsStartRequest.type, { vm: 'test', force: true } as never),
      HostErrorCode.InvalidParams,
      { field: '/force', allowed: /only the fields vm/ },
    );
    assert.match(unknownField.message, /unknown field "force"/);
    const lab = { ...tinyLab('extra'), flavour: 'large' } as unknown as Lab;
    await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.InvalidParams, {
      field: '/lab/flavour',
    });
    await rejectsWithHostError(fixture.client.sendRequest(VmsStartRequest.type, {} as never), HostErrorCode.InvalidParams, {
      field: '/vm',
      message: /missing required field "vm"/,
      allowed: /libvirt domain name/,
    });
    await rejectsWithHostError(fixture.client.sendRequest('vlm/vms/start', ['test']), HostErrorCode.InvalidParams, { field: '' });
    await rejectsWithHostError(fixture.client.sendRequest('vlm/vms/explode', {}), HostErrorCode.MethodNotFound, {
      allowed: /vlm\/vms\/start/,
    });
    // The VM was not touched by any of it.
    assert.equal((await fixture.client.sendRequest(VmsListRequest.type, {})).vms.find((vm) => vm.name === 'test')?.state, 'running');
  });
});

describe('vlm-host over its Unix socket (test driver): load', () => {
  test('a 10 MB request gets a clear error and the connection stays usable', async () => {
    const lab = tinyLab('big', { cloud_init: `#cloud-config\n${'x'.repeat(10 * 1024 * 1024)}` });
    await rejectsWithHostError(fixture.client.sendRequest(LabsPlanRequest.type, { lab }), HostErrorCode.RequestTooLarge, {
      message: /vlm\/labs\/plan is 1048\d{4} bytes; this host accepts at most 4194304 bytes/,
    });
    const info = await fixture.client.sendRequest(HostInfoRequest.type, {});
    assert.equal(info.service.pid, fixture.host.pid);
    assert.deepEqual((await fixture.client.sendRequest(LabsListRequest.type, {})).labs, []);
  });

  test('a flood of requests is answered in full while other clients stay served', async () => {
    const count = 3000;
    // All of it in one write while the service is stopped: its first read then holds hundreds of
    // requests, however fast it would otherwise read them one by one.
    const flood = Buffer.concat(Array.from({ length: count }, (_, index) => frameRequest(index + 1, LabsListRequest.method, {})));
    const flooder = await openHostSocket(fixture.host.socketPath);
    const answered = new Map<number, unknown>();
    const answers = new StreamMessageReader(flooder);
    answers.listen((message) => {
      const answer = message as ResponseMessage;
      answered.set(Number(answer.id), answer.result);
    });
    try {
      process.kill(fixture.host.pid, 'SIGSTOP');
      try {
        flooder.write(flood);
      } finally {
        process.kill(fixture.host.pid, 'SIGCONT');
      }
      // Another client is answered while the flood is being worked through.
      const other = await fixture.connect();
      const info = await other.sendRequest(HostInfoRequest.type, {});
      other.close();
      assert.equal(info.service.pid, fixture.host.pid);
      await waitUntil('every request of the flood to be answered', () => answered.size === count, 60_000);
      assert.deepEqual(
        [...answered.keys()].sort((left, right) => left - right),
        Array.from({ length: count }, (_, index) => index + 1),
      );
      assert.ok([...answered.values()].every((result) => Array.isArray((result as { labs?: unknown } | undefined)?.labs)));
      // The service bounded the flood by pausing its reads, rather than queueing all of it.
      await waitUntil(
        'the service to log that it paused',
        () => /A client has 256 unanswered requests: reading from it pauses/.test(fixture.host.stderr),
        10_000,
      );
    } finally {
      answers.dispose();
      flooder.destroy();
    }
  });

  test('requests cancelled before they start are answered as cancelled', async () => {
    const sources = Array.from({ length: 200 }, () => new CancellationTokenSource());
    const results = sources.map((source) =>
      fixture.client.sendRequest(VmsListRequest.type, {}, source.token).then(
        () => 'answered',
        (error: unknown) => (error instanceof ResponseError && error.code === HostErrorCode.RequestCancelled ? 'cancelled' : String(error)),
      ),
    );
    for (const source of sources) source.cancel();
    const outcomes = await Promise.all(results);
    assert.ok(
      outcomes.every((outcome) => outcome === 'answered' || outcome === 'cancelled'),
      outcomes.join(', '),
    );
    assert.ok(outcomes.includes('cancelled'), 'none of the 200 was cancelled');
  });
});
