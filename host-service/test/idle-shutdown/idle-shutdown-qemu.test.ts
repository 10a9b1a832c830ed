// Idle shutdown on real guests: a lab with idle_shutdown_minutes: 1 on qemu:///system (TCG), two
// vlm-tiny VMs. The one nobody uses is asked to power off through ACPI and goes down, with the
// event and the deploy log line; the one with its serial console open keeps running until the
// console closes, and then starts counting down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  EventNotification,
  EventsSubscribeRequest,
  type HostEvent,
  ImagesPullRequest,
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsGetRequest,
  VmsListRequest,
} from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type HostFixture } from '../support/host-fixture';

const execFileAsync = promisify(execFile);
// The built CLI (node scripts/build.mjs), as a user runs it.
const vlmLauncher = join(__dirname, '..', '..', '..', 'cli', 'bin', 'vlm.js');
// A name no other run uses, since libvirtd is shared.
const labName = `idle-${randomBytes(3).toString('hex')}`;
const idleDomain = `${labName}.idle`;
const watchedDomain = `${labName}.watched`;
// 20%: an idle TCG guest stays far below it even on a busy 2-core machine; a booting one does not.
const lab: Lab = {
  name: labName,
  idle_shutdown_minutes: 1,
  idle_cpu_percent: 20,
  vms: [
    { name: 'idle', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
    { name: 'watched', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' },
  ],
};

let fixture: HostFixture;

before(
  async () => {
    fixture = await startHostFixture({
      name: 'idle-qemu',
      driver: 'qemu',
      folderMode: 0o755,
      leftovers: { domains: [idleDomain, watchedDomain], networks: [] },
    });
  },
  { timeout: 600_000 },
);

after(async () => {
  await fixture?.dispose();
});

describe('idle shutdown on qemu:///system', { timeout: 600_000 }, () => {
  test('the idle VM is powered off after a minute with an event and a log line; the one with an open console is not', async (t) => {
    const client = await fixture.connect();
    const events: HostEvent[] = [];
    client.onNotification(EventNotification.type, (event) => events.push(event));
    const idleEvents = (domain: string) =>
      events.filter((event) => (event.type === 'vm-idle' || event.type === 'idle-shutdown') && event.vm === domain);
    try {
      await client.sendRequest(EventsSubscribeRequest.type, {});
      await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
      await client.sendRequest(LabsApplyRequest.type, { lab });
      const { consoleId } = await client.sendRequest(ConsolesOpenRequest.type, { vm: watchedDomain });

      const countdown = await waitUntil(
        'the idle VM to start counting down',
        () => events.find((event) => event.type === 'vm-idle' && event.vm === idleDomain && event.shutdownAt !== null),
        120_000,
        200,
      );
      assert.ok(countdown.type === 'vm-idle' && countdown.shutdownAt !== null);
      const left = Date.parse(countdown.shutdownAt) - Date.parse(countdown.time);
      assert.ok(left > 50_000 && left <= 60_000, `about a minute left, not ${left} ms`);
      const listed = (await client.sendRequest(VmsListRequest.type, { lab: labName })).vms;
      assert.equal(listed.find((vm) => vm.name === idleDomain)?.idleShutdownAt, countdown.shutdownAt, 'the listing shows it too');
      assert.equal(listed.find((vm) => vm.name === watchedDomain)?.idleShutdownAt, undefined);
      // What a user reads in the terminal: the setting, and the countdown beside the state.
      const status = await execFileAsync(process.execPath, [vlmLauncher, 'lab', 'status', labName, '--host', `unix:${fixture.socketPath}`]);
      assert.match(status.stdout, /^Idle shutdown: VMs below 20% CPU with no open console for 1 minute are asked to power off$/m);
      assert.match(status.stdout, new RegExp(`^idle +${labName}\\.idle +running \\(idle: shutdown in under 1 min\\)`, 'm'));
      assert.match(status.stdout, new RegExp(`^watched +${labName}\\.watched +running +`, 'm'));

      const requested = await waitUntil(
        'the idle shutdown request',
        () => events.find((event) => event.type === 'idle-shutdown' && event.vm === idleDomain),
        180_000,
        500,
      );
      assert.ok(requested.type === 'idle-shutdown');
      t.diagnostic(`${requested.detail} ${(Date.parse(requested.time) - Date.parse(countdown.time)) / 1000} s after the countdown began`);
      assert.equal(requested.outcome, 'requested');
      assert.equal(requested.lab, labName);
      assert.ok(Date.parse(requested.time) >= Date.parse(countdown.shutdownAt), 'not before the minute was up');
      assert.match(requested.detail, /asked .+\.idle to power off \(ACPI\), idle for 1 minute \(CPU \d+\.\d% < 20%, no open console\)/);
      await waitUntil(
        'the guest to power off',
        () => events.some((event) => event.type === 'vm-state' && event.vm === idleDomain && event.state === 'shut-off'),
        120_000,
        200,
      );
      const details = await client.sendRequest(LabsGetRequest.type, { name: labName });
      const line = details.deployLog.find((entry) => entry.text.startsWith('Idle shutdown: asked'));
      assert.equal(line?.vm, 'idle');
      assert.equal(line?.level, 'info');

      // A minute and more has passed with the console open: the watched VM never counted down.
      assert.deepEqual(idleEvents(watchedDomain), []);
      assert.equal((await fixture.hypervisor.getDomain(watchedDomain))?.state, 'running');
      await client.sendRequest(ConsolesCloseRequest.type, { consoleId });
      await waitUntil(
        'the watched VM to count down once its console closed',
        () => idleEvents(watchedDomain).some((event) => event.type === 'vm-idle' && event.shutdownAt !== null),
        60_000,
        200,
      );
      const ofIdle = idleEvents(idleDomain);
      const asked = ofIdle.findIndex((event) => event.type === 'idle-shutdown');
      assert.deepEqual(ofIdle[asked - 1], { ...ofIdle[asked - 1], type: 'vm-idle', shutdownAt: null }, 'the countdown ends as it is asked');
      assert.equal(ofIdle.filter((event) => event.type === 'idle-shutdown').length, 1, 'asked once');
      await client.sendRequest(LabsDestroyRequest.type, { name: labName });
      assert.deepEqual((await client.sendRequest(VmsListRequest.type, { lab: labName })).vms, []);
    } finally {
      client.close();
    }
  });
});
