// The real tier: libvirtd's QEMU driver (qemu:///system) through libvirt-dbus's /org/libvirt/QEMU,
// checked against virsh as an independent client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { isDomainEvent, waitForEvent } from '../support/hypervisor-events';
import { waitUntil } from '../../local-libvirt/wait-until';
import dbus from 'dbus-next';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { dbusCall } from '../../src/libvirt/dbus-call';
import { probeKvm } from '../../src/libvirt/kvm-probe';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../../src/libvirt/volume-xml';
import { vlmMetadataNamespace } from '../../src/libvirt/vlm-metadata';
import type { HostInfo, Hypervisor } from '../../src/libvirt/hypervisor';

function virsh(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('virsh', ['-c', 'qemu:///system', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function virshState(name: string): string {
  return virsh('domstate', name).output;
}

/** A loopback TCP port nothing listens on right now. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const name = `vlm-test-${process.pid}`;
const networkName = `vlm-test-net-${process.pid}`;
const poolName = `vlm-test-pool-${process.pid}`;

interface QemuSystem {
  environment: LibvirtTestEnvironment;
  hypervisor: Hypervisor;
  info: HostInfo;
  /** A temporary folder for the tests' files. */
  folder: string;
}

/** For the enclosing describe block: libvirtd's QEMU driver through a private libvirt-dbus, cleaned up after. */
function useQemuSystem(): QemuSystem {
  let environment: LibvirtTestEnvironment | undefined;
  let hypervisor: Hypervisor | undefined;
  let info: HostInfo | undefined;
  let folder: string | undefined;

  before(async () => {
    environment = await startLibvirtTestEnvironment({ realDaemons: true });
    hypervisor = await connectLibvirt({ driver: 'qemu', busAddress: environment.busAddress, pollIntervalMs: 60_000 });
    info = await hypervisor.hostInfo();
    folder = mkdtempSync(join(tmpdir(), 'vlm-qemu-test-'));
  });

  after(async () => {
    // Leave nothing behind even when a test failed half-way.
    if (virsh('domstate', name).ok) {
      virsh('destroy', name);
      virsh('undefine', name);
    }
    if (virsh('net-info', networkName).ok) {
      virsh('net-destroy', networkName);
      virsh('net-undefine', networkName);
    }
    if (virsh('pool-info', poolName).ok) {
      virsh('pool-destroy', poolName);
      virsh('pool-undefine', poolName);
    }
    await hypervisor?.close();
    await environment?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
    rmSync(`/var/log/libvirt/qemu/${name}.log`, { force: true }); // libvirtd's log of our test domain
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    assert.ok(value !== undefined, `${what} is set up before the tests`);
    return value;
  };
  return {
    get environment() {
      return ready(environment, 'the test environment');
    },
    get hypervisor() {
      return ready(hypervisor, 'the hypervisor');
    },
    get info() {
      return ready(info, 'the host info');
    },
    get folder() {
      return ready(folder, 'the temporary folder');
    },
  };
}

/** A domain defined, run, paused, stopped and undefined through us, checked with virsh at each step. */
async function tinyDomainLifeCycle(system: QemuSystem): Promise<void> {
  const { hypervisor, info, folder } = system;
  const sshPort = await freeLoopbackPort();
  const serialLog = join(folder, 'serial.log');
  // No disk: SeaBIOS finds nothing to boot and keeps the guest running.
  const xml = buildDomainXml({
    name,
    type: info.domainType,
    vcpu: 1,
    memoryMiB: 64,
    serialLogPath: serialLog,
    sshHostPort: sshPort,
    vlm: { lab: 'lab-test', vm: 'tiny' },
  });
  const defined = await hypervisor.defineDomain(xml);
  assert.equal(defined.state, 'shut-off');
  assert.deepEqual(defined.vlm, { lab: 'lab-test', vm: 'tiny' });
  assert.equal(virshState(name), 'shut off');
  assert.match(virsh('metadata', name, '--uri', vlmMetadataNamespace).output, /lab="lab-test" vm="tiny"/);

  const started = waitForEvent(hypervisor, 'started', isDomainEvent('started', name), 30_000);
  await hypervisor.start(name);
  await started;
  assert.equal((await hypervisor.getDomain(name))?.state, 'running');
  assert.equal(virshState(name), 'running');
  assert.equal((await hypervisor.listDomains()).find((domain) => domain.name === name)?.state, 'running');

  // QEMU got the restricted user network with a loopback-only forward.
  const pid = Number(readFileSync(`/run/libvirt/qemu/${name}.pid`, 'utf8').trim());
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  assert.ok(commandLine.includes(`user,id=vlmssh0,restrict=on,hostfwd=tcp:127.0.0.1:${sshPort}-:22`), commandLine.join(' '));
  assert.match(await hypervisor.getDomainXml(name), /<serial type='pty'>\s*<source path='\/dev\/pts\/\d+'/);
  await waitUntil('virtlogd to create the serial log file', () => existsSync(serialLog));

  const suspended = waitForEvent(hypervisor, 'suspended', isDomainEvent('suspended', name));
  await hypervisor.suspend(name);
  await suspended;
  assert.equal(virshState(name), 'paused');
  const resumed = waitForEvent(hypervisor, 'resumed', isDomainEvent('resumed', name));
  await hypervisor.resume(name);
  await resumed;
  assert.equal(virshState(name), 'running');

  // A change made by another client arrives as an event too.
  const byVirsh = waitForEvent(hypervisor, 'suspended by virsh', isDomainEvent('suspended', name));
  assert.ok(virsh('suspend', name).ok);
  const event = await byVirsh;
  assert.equal(event.type === 'domain' && event.domain?.state, 'paused');
  assert.ok(virsh('resume', name).ok);

  const stopped = waitForEvent(hypervisor, 'stopped', isDomainEvent('stopped', name), 30_000);
  await hypervisor.destroy(name);
  const stoppedEvent = await stopped;
  assert.equal(stoppedEvent.type === 'domain' && stoppedEvent.detail, 'destroyed');
  assert.equal(virshState(name), 'shut off');

  await hypervisor.undefine(name);
  assert.equal(await hypervisor.getDomain(name), undefined);
  const gone = virsh('dominfo', name);
  assert.equal(gone.ok, false);
  assert.match(gone.output, /failed to get domain/);
}

/** A network and qcow2 volumes made through us, checked with virsh and qemu-img. */
async function networkAndVolume(system: QemuSystem): Promise<void> {
  const { hypervisor, folder } = system;
  // No CIDR: no host address and no dnsmasq, just a bridge for guests to meet on.
  await hypervisor.defineNetwork(buildNetworkXml({ name: networkName }));
  await hypervisor.startNetwork(networkName);
  assert.match(virsh('net-info', networkName).output, /Active:\s+yes/);
  assert.equal(/<forward/.test(virsh('net-dumpxml', networkName).output), false, 'the network forwards nothing');
  await hypervisor.destroyNetwork(networkName);
  await hypervisor.undefineNetwork(networkName);
  assert.equal(virsh('net-info', networkName).ok, false);

  const poolFolder = join(folder, 'pool');
  mkdirSync(poolFolder);
  await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: poolName, path: poolFolder }));
  await hypervisor.startStoragePool(poolName);
  const base = await hypervisor.createVolume(poolName, buildVolumeXml({ name: 'base.qcow2', capacityBytes: 64 * 1024 ** 2 }));
  const disk = await hypervisor.createVolume(
    poolName,
    buildVolumeXml({ name: 'disk.qcow2', capacityBytes: 128 * 1024 ** 2, backingPath: base.path, backingFormat: 'qcow2' }),
  );
  assert.equal(disk.path, join(poolFolder, 'disk.qcow2'));
  const image = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', '-U', disk.path], { encoding: 'utf8' }).stdout) as Record<
    string,
    unknown
  >;
  assert.equal(image.format, 'qcow2');
  assert.equal(image['virtual-size'], 128 * 1024 ** 2);
  assert.equal(image['backing-filename'], base.path);
  assert.deepEqual((await hypervisor.listVolumes(poolName)).map((volume) => volume.name).sort(), ['base.qcow2', 'disk.qcow2']);
  await hypervisor.deleteVolume(poolName, 'disk.qcow2');
  await hypervisor.deleteVolume(poolName, 'base.qcow2');
  assert.equal(existsSync(disk.path), false);
  await hypervisor.destroyStoragePool(poolName);
  await hypervisor.undefineStoragePool(poolName);
  assert.equal(virsh('pool-info', poolName).ok, false);
}

describe('qemu:///system through libvirt-dbus', () => {
  const system = useQemuSystem();

  test('host info reports QEMU, and software emulation comes with a visible warning', () => {
    const { info } = system;
    assert.equal(info.driver, 'qemu');
    assert.match(info.hypervisorVersion, /^\d+\.\d+\.\d+$/);
    assert.ok(info.cpus >= 1);
    assert.ok(info.memoryBytes > 64 * 1024 * 1024);
    assert.ok(info.virtualization === 'kvm' || info.virtualization === 'qemu');
    assert.equal(info.domainType, info.virtualization);
    console.log(`virtualization: ${info.virtualization}; warnings: ${info.warnings.join(' ') || 'none'}`);
    if (info.virtualization === 'qemu')
      assert.ok(
        info.warnings.some((warning) => /KVM/.test(warning) && /emulation/.test(warning)),
        JSON.stringify(info.warnings),
      );
    // This process's probe guest must not linger (other runs may share libvirtd).
    assert.equal(virsh('list', '--all', '--name').output.includes(`vlm-kvm-probe-${process.pid}-`), false);
  });

  test('the KVM probe recognises a kernel that boots: the same probe under TCG reaches the kernel', async () => {
    const { environment } = system;
    // Here KVM vCPUs hang once a kernel runs; TCG shows the probe's other answer on a real boot.
    const bus = dbus.sessionBus({ busAddress: environment.busAddress });
    try {
      const result = await probeKvm((request) => dbusCall(bus, 'org.libvirt', request, 30_000), '/org/libvirt/QEMU', {
        domainType: 'qemu',
        kernelDeadlineMs: 60_000,
      });
      assert.deepEqual(result, { works: true, reason: '' });
    } finally {
      bus.disconnect();
    }
    assert.equal(virsh('list', '--all', '--name').output.includes(`vlm-kvm-probe-${process.pid}-`), false);
  });

  test('a tiny domain is defined, runs, pauses, stops and is undefined; virsh agrees at each step', () => tinyDomainLifeCycle(system));

  test('an isolated network and a qcow2 volume made through us are what virsh and qemu-img see', () => networkAndVolume(system));
});
