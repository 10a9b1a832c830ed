// The real tier: libvirtd restarts under a connected Hypervisor. libvirt-dbus stays up and sends no
// signal about it, so this checks that the loss and the return are reported and that domain events
// flow again afterwards. libvirtd is shared with other runs: it is down only briefly, and left running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { processAlive } from '../../local-libvirt/libvirt-daemons';
import { isDomainEvent, waitForEvent } from '../support/hypervisor-events';
import { waitUntil } from '../../local-libvirt/wait-until';
import { LibvirtDbusHypervisor } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import type { HypervisorEvent } from '../../src/libvirt/hypervisor';

const libvirtdPidFile = '/run/libvirtd.pid';

function virsh(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** libvirtd's pid from its pid file, if that process is alive and is libvirtd. */
function libvirtdPid(): number | undefined {
  if (!existsSync(libvirtdPidFile)) return undefined;
  const pid = Number(readFileSync(libvirtdPidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'libvirtd' ? pid : undefined;
  } catch {
    return undefined; // exited
  }
}

/** Starts libvirtd if none runs, and waits until it answers on qemu:///system. */
async function ensureLibvirtdAnswers(): Promise<void> {
  if (libvirtdPid() === undefined) {
    const result = spawnSync('libvirtd', ['-d'], { encoding: 'utf8' });
    // Another test run that found libvirtd down may have started one first: that one serves too.
    if (result.status !== 0 && libvirtdPid() === undefined) throw new Error(`libvirtd -d failed: ${result.stderr}`);
  }
  await waitUntil('libvirtd to answer on qemu:///system', () => virsh('version').ok, 30_000, 100);
}

describe('reconnecting when libvirtd restarts (qemu:///system)', () => {
  let environment: LibvirtTestEnvironment;
  let hypervisor: LibvirtDbusHypervisor;
  const name = `vlm-test-restart-${process.pid}`;

  before(async () => {
    environment = await startLibvirtTestEnvironment({ realDaemons: true });
    // The poll is far off, so only the liveness check can bring events back within the test's deadlines.
    hypervisor = await LibvirtDbusHypervisor.connect({
      driver: 'qemu',
      busAddress: environment.busAddress,
      pollIntervalMs: 600_000,
      livenessIntervalMs: 100,
    });
  });

  after(async () => {
    // Whatever failed, libvirtd runs again before anything else is cleaned up.
    await ensureLibvirtdAnswers();
    if (virsh('domstate', name).ok) {
      virsh('destroy', name);
      virsh('undefine', name);
    }
    await hypervisor?.close();
    await environment?.stop();
    rmSync(`/var/log/libvirt/qemu/${name}.log`, { force: true });
  });

  test('the loss and return of libvirtd are reported, and a change made afterwards arrives as an event', async () => {
    // No disk: SeaBIOS finds nothing to boot and keeps the guest running.
    await hypervisor.defineDomain(buildDomainXml({ name, type: 'qemu', vcpu: 1, memoryMiB: 32, randomNumberGenerator: false }));
    const started = waitForEvent(hypervisor, 'started', isDomainEvent('started', name), 30_000);
    await hypervisor.start(name);
    await started;

    const events: HypervisorEvent[] = [];
    hypervisor.subscribe((event) => events.push(event));

    const pid = libvirtdPid();
    assert.ok(pid !== undefined, `libvirtd runs (pid file ${libvirtdPidFile})`);
    process.kill(pid, 'SIGTERM');
    await waitUntil(`libvirtd (pid ${pid}) to exit`, () => !processAlive(pid), 30_000, 20);
    await ensureLibvirtdAnswers();
    assert.notEqual(libvirtdPid(), pid, 'a new libvirtd runs');

    const lost = events.find((event) => event.type === 'connection-lost');
    assert.ok(lost, `connection-lost while libvirtd was down (saw: ${events.map((event) => event.type).join(', ') || 'nothing'})`);
    console.log(`lost: ${lost.type === 'connection-lost' ? lost.reason : ''}`);
    await waitUntil('connection-restored', () => events.some((event) => event.type === 'connection-restored'), 15_000);

    // Another client's change: only libvirt-dbus's re-registered callbacks can turn it into a signal now.
    const suspended = waitForEvent(hypervisor, 'suspended by virsh after the restart', isDomainEvent('suspended', name), 15_000);
    // The new libvirtd may still be reconnecting to the guest's QEMU monitor.
    await waitUntil(`virsh suspend ${name}`, () => virsh('suspend', name).ok, 15_000, 100);
    const event = await suspended;
    assert.equal(event.type === 'domain' && event.domain?.state, 'paused');

    const order = (type: HypervisorEvent['type']) => events.findIndex((item) => item.type === type);
    const suspendedIndex = events.findIndex(isDomainEvent('suspended', name));
    assert.ok(
      order('connection-lost') < order('connection-restored') && order('connection-restored') < suspendedIndex,
      events.map((item) => item.type).join(', '),
    );

    await hypervisor.destroy(name);
    await hypervisor.undefine(name);
    assert.equal(virsh('dominfo', name).ok, false);
  });
});
