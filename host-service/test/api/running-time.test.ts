// Running intervals through the real vlm-host on libvirt's test driver: a lab VM's starts and
// stops become intervals read back through vlm/vms/runningIntervals, and a host restart (clean or
// kill -9) in the middle of one continues it or closes it, never counting it twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostErrorCode,
  LabsApplyRequest,
  VmsForceStopRequest,
  VmsRunningIntervalsRequest,
  VmsStartRequest,
  type RunningInterval,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from './host-process';

const domain = 'spend-lab.app';
const lab: Lab = { name: 'spend-lab', vms: [{ name: 'app', vcpu: 2, ram_mb: 256, disk_gb: 3, os_image: 'vlm-tiny' }] };
const thisMonth = () => new Date().toISOString().slice(0, 7);

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'running-time' });
});

after(async () => {
  await fixture?.dispose();
});

async function intervals(): Promise<RunningInterval[]> {
  const answer = await fixture.client.sendRequest(VmsRunningIntervalsRequest.type, { month: thisMonth() });
  assert.equal(answer.keptMonths, 13);
  assert.ok(answer.now >= (answer.intervals.at(-1)?.start ?? ''), 'the host answers with its clock');
  return answer.intervals.filter((interval) => interval.domain === domain);
}

describe('running intervals on the libvirt test driver', () => {
  test('a deployed VM runs in an interval with its size; a stop closes it and a start opens the next', async () => {
    const before = new Date().toISOString();
    await fixture.client.sendRequest(LabsApplyRequest.type, { lab });
    const [first] = await waitUntil('an open interval', async () => {
      const found = await intervals();
      return found.length === 1 && found[0]?.stop === undefined ? found : undefined;
    });
    assert.deepEqual(
      { ...first, uuid: undefined, start: undefined },
      {
        domain,
        uuid: undefined,
        lab: 'spend-lab',
        vm: 'app',
        vcpu: 2,
        memoryBytes: 256 * 2 ** 20,
        diskBytes: 3 * 2 ** 30,
        start: undefined,
      },
    );
    assert.ok((first?.start ?? '') >= before);
    await fixture.client.sendRequest(VmsForceStopRequest.type, { vm: domain });
    const closed = await waitUntil('the interval closed', async () => {
      const found = await intervals();
      return found.length === 1 && found[0]?.stop !== undefined ? found[0] : undefined;
    });
    assert.ok((closed.stop ?? '') >= closed.start);
    await fixture.client.sendRequest(VmsStartRequest.type, { vm: domain });
    await waitUntil('a second, open interval', async () => {
      const found = await intervals();
      return found.length === 2 && found[1]?.stop === undefined && (found[1]?.start ?? '') >= (closed.stop ?? '');
    });
    // Another month holds none of it.
    const { intervals: none } = await fixture.client.sendRequest(VmsRunningIntervalsRequest.type, { month: '2001-01' });
    assert.deepEqual(none, []);
  });

  test('a restart while the VM runs continues its interval; kill -9 too: one open interval, same start', async () => {
    const [, open] = await intervals();
    assert.ok(open && open.stop === undefined);
    await fixture.host.stop();
    await fixture.restart();
    const again = await intervals();
    assert.equal(again.length, 2);
    assert.deepEqual(again[1], open, 'continued after SIGTERM');
    await fixture.host.kill();
    await fixture.restart();
    const after = await intervals();
    assert.equal(after.length, 2);
    assert.deepEqual(after[1], open, 'continued, not closed and opened again');
  });

  test('a VM stopped while the host was down: its interval ends at the host stop, before the restart', async () => {
    await fixture.host.stop();
    const stoppedAt = new Date().toISOString();
    await fixture.hypervisor.destroy(domain);
    await fixture.restart();
    const after = await intervals();
    assert.equal(after.length, 2);
    const last = after[1];
    assert.ok(last?.stop !== undefined, 'closed');
    assert.ok(last.stop <= stoppedAt, `closed at ${last.stop}, when the host last knew it ran (not at the restart)`);
    await fixture.client.sendRequest(VmsStartRequest.type, { vm: domain });
    await waitUntil('a third interval', async () => (await intervals()).length === 3);
  });

  test('a month that is not YYYY-MM is refused with the field and what is allowed', async () => {
    for (const month of ['2026-13', '2026-1', '../../etc', '']) {
      await rejectsWithHostError(fixture.client.sendRequest(VmsRunningIntervalsRequest.type, { month }), HostErrorCode.InvalidParams, {
        field: '/month',
        allowed: /YYYY-MM/,
      });
    }
  });
});
