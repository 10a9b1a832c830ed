// The fast tier: libvirt's test driver (test:///default) through libvirt-dbus on a private bus.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';
import { isDomainEvent, waitForEvent } from '../support/hypervisor-events';
import { waitUntil } from '../../local-libvirt/wait-until';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { buildNetworkXml } from '../../src/libvirt/network-xml';
import { buildDirectoryPoolXml, buildVolumeXml } from '../../src/libvirt/volume-xml';
import { type DomainSummary, HypervisorError, type Hypervisor } from '../../src/libvirt/hypervisor';

function domainXml(name: string, vm = name): string {
  return buildDomainXml({ name, type: 'qemu', vcpu: 2, memoryMiB: 256, vlm: { lab: 'lab1', vm } });
}

async function rejectsWith(promise: Promise<unknown>, code: string, mentions: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HypervisorError, `expected a HypervisorError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, mentions);
    return true;
  });
}

interface TestDriver {
  environment: LibvirtTestEnvironment;
  hypervisor: Hypervisor;
}

/** For the enclosing describe block: a private bus with libvirt-dbus on the test driver and a hypervisor on it, gone after. */
function useTestDriver(): TestDriver {
  let environment: LibvirtTestEnvironment | undefined;
  let hypervisor: Hypervisor | undefined;
  before(async () => {
    environment = await startLibvirtTestEnvironment();
    hypervisor = await connectLibvirt({ driver: 'test', busAddress: environment.busAddress, pollIntervalMs: 60_000 });
  });
  after(async () => {
    await hypervisor?.close();
    await environment?.stop();
  });
  return {
    get environment() {
      assert.ok(environment, 'the test environment starts before the tests');
      return environment;
    },
    get hypervisor() {
      assert.ok(hypervisor, 'the hypervisor connects before the tests');
      return hypervisor;
    },
  };
}

/** Host info, and the listing with the built-in domain. */
function hostTests(driver: TestDriver): void {
  test('host info names the test driver and its libvirt version', async () => {
    const { hypervisor } = driver;
    const info = await hypervisor.hostInfo();
    assert.equal(info.driver, 'test');
    assert.equal(info.virtualization, 'test');
    assert.match(info.libvirtVersion, /^\d+\.\d+\.\d+$/);
    assert.ok(info.cpus > 0, 'the test driver reports CPUs');
    assert.ok(info.memoryBytes > 0, 'the test driver reports memory');
    assert.ok(info.hostname.length > 0);
  });

  test("lists the test driver's built-in domain", async () => {
    const { hypervisor } = driver;
    const domains = await hypervisor.listDomains();
    const builtIn = domains.find((domain) => domain.name === 'test');
    assert.ok(builtIn, `no 'test' domain in ${JSON.stringify(domains)}`);
    assert.equal(builtIn.state, 'running');
    assert.equal(builtIn.persistent, true);
    assert.match(builtIn.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(builtIn.vlm, undefined, 'a domain VLM did not make has no VLM metadata');
  });
}

/** Metadata another program left, with an <os> element inside and a lookalike of VLM's mark in another namespace. */
const decoyXml = `<domain type='qemu'><name>decoy</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <metadata><x:note xmlns:x="urn:example:note"><os>not the OS element</os><![CDATA[<os>]]></x:note>
  <fake:lab xmlns:fake="urn:example:not-vlm" lab="forged" vm="forged"/></metadata>
  <os><type arch='x86_64'>hvm</type></os></domain>`;

/** What a new connection's first listing reads (one XML read per domain, stopped early) against what is known. */
function coldListingTests(driver: TestDriver): void {
  test('a new connection lists transient domains, foreign metadata and VLM marks as a warm one does', async () => {
    const { environment, hypervisor } = driver;
    await hypervisor.defineDomain(domainXml('fleeting', 'temp'));
    await hypervisor.start('fleeting');
    await hypervisor.undefine('fleeting'); // it runs on, transient
    await hypervisor.defineDomain(decoyXml);
    const fresh = await connectLibvirt({ driver: 'test', busAddress: environment.busAddress, pollIntervalMs: 60_000 });
    try {
      const byName = (domains: DomainSummary[]) => [...domains].sort((a, b) => a.name.localeCompare(b.name));
      const cold = byName(await fresh.listDomains());
      assert.deepEqual(cold, byName(await hypervisor.listDomains()));
      const fleeting = cold.find((domain) => domain.name === 'fleeting');
      assert.deepEqual(fleeting && { state: fleeting.state, persistent: fleeting.persistent, vlm: fleeting.vlm }, {
        state: 'running',
        persistent: false,
        vlm: { lab: 'lab1', vm: 'temp' },
      });
      const decoy = cold.find((domain) => domain.name === 'decoy');
      assert.deepEqual(decoy && { persistent: decoy.persistent, vcpu: decoy.vcpu, memoryBytes: decoy.memoryBytes, vlm: decoy.vlm }, {
        persistent: true,
        vcpu: 1,
        memoryBytes: 128 * 1024 * 1024,
        vlm: undefined,
      });
      for (const domain of cold) assert.deepEqual(domain, await fresh.getDomain(domain.name), `${domain.name} read on its own`);
    } finally {
      await fresh.close();
      await hypervisor.destroy('fleeting');
      await hypervisor.undefine('decoy');
    }
  });
}

/** A domain's life cycle and events, its errors, and autostart. */
function domainTests(driver: TestDriver): void {
  test('define, start, suspend, resume, reboot, shut down, destroy and undefine a domain, with an event for each change', async () => {
    const { hypervisor } = driver;
    const defined = waitForEvent(hypervisor, 'defined', isDomainEvent('defined', 'life'));
    const domain = await hypervisor.defineDomain(domainXml('life', 'web'));
    assert.deepEqual(
      {
        name: domain.name,
        state: domain.state,
        vcpu: domain.vcpu,
        memoryBytes: domain.memoryBytes,
        persistent: domain.persistent,
        vlm: domain.vlm,
      },
      { name: 'life', state: 'shut-off', vcpu: 2, memoryBytes: 256 * 1024 * 1024, persistent: true, vlm: { lab: 'lab1', vm: 'web' } },
    );
    await defined;

    const steps: Array<[string, () => Promise<void>, string, string]> = [
      ['start', () => hypervisor.start('life'), 'started', 'running'],
      ['suspend', () => hypervisor.suspend('life'), 'suspended', 'paused'],
      ['resume', () => hypervisor.resume('life'), 'resumed', 'running'],
      ['shutdown', () => hypervisor.shutdown('life'), 'stopped', 'shut-off'],
      ['start again', () => hypervisor.start('life'), 'started', 'running'],
      ['destroy', () => hypervisor.destroy('life'), 'stopped', 'shut-off'],
    ];
    for (const [step, action, eventKind, state] of steps) {
      const event = waitForEvent(hypervisor, `${eventKind} after ${step}`, isDomainEvent(eventKind, 'life'));
      await action();
      const received = await event;
      assert.equal(received.type === 'domain' && received.domain?.state, state, `state carried by the event after ${step}`);
      assert.equal((await hypervisor.getDomain('life'))?.state, state, `state read back after ${step}`);
    }

    await hypervisor.start('life');
    await hypervisor.reboot('life'); // the test driver reboots in place
    assert.equal((await hypervisor.getDomain('life'))?.state, 'running');
    await hypervisor.destroy('life');

    const listed = (await hypervisor.listDomains()).find((item) => item.name === 'life');
    assert.equal(listed?.state, 'shut-off');
    assert.deepEqual(listed?.vlm, { lab: 'lab1', vm: 'web' });

    const undefinedEvent = waitForEvent(hypervisor, 'undefined', isDomainEvent('undefined', 'life'));
    await hypervisor.undefine('life');
    const received = await undefinedEvent;
    assert.equal(received.type === 'domain' && received.domain, undefined, 'an undefined domain has no state to carry');
    assert.equal(await hypervisor.getDomain('life'), undefined);
    assert.equal(
      (await hypervisor.listDomains()).some((item) => item.name === 'life'),
      false,
    );
  });

  test('operations on a missing domain or in the wrong state fail with specific errors', async () => {
    const { hypervisor } = driver;
    await rejectsWith(hypervisor.start('missing'), 'no-such-domain', /No domain named 'missing'/);
    await rejectsWith(hypervisor.start('test'), 'invalid-operation', /already running/);
    await rejectsWith(hypervisor.start('../etc/passwd'), 'invalid-argument', /Invalid domain name/);
    await rejectsWith(
      hypervisor.defineDomain('<domain type="qemu"><name>broken'),
      'invalid-argument',
      /DomainDefineXML on \/org\/libvirt\/Test failed: .*Premature end of data/,
    );
  });

  test('autostart can be set and is listed', async () => {
    const { hypervisor } = driver;
    await hypervisor.defineDomain(domainXml('auto'));
    await hypervisor.setAutostart('auto', true);
    assert.equal((await hypervisor.listDomains()).find((domain) => domain.name === 'auto')?.autostart, true);
    await hypervisor.setAutostart('auto', false);
    assert.equal((await hypervisor.getDomain('auto'))?.autostart, false);
    await hypervisor.undefine('auto');
  });
}

/** Events whose kind gives the new state are reported from the last summary read, not re-read. */
function eventSummaryTests(driver: TestDriver): void {
  test('events carry autostart and persistence as last set, with the state the event gives', async () => {
    const { hypervisor } = driver;
    const defined = waitForEvent(hypervisor, 'defined', isDomainEvent('defined', 'carried'));
    await hypervisor.defineDomain(domainXml('carried'));
    await defined;
    await hypervisor.setAutostart('carried', true);
    for (const [action, kind, state] of [
      [() => hypervisor.start('carried'), 'started', 'running'],
      [() => hypervisor.suspend('carried'), 'suspended', 'paused'],
      [() => hypervisor.resume('carried'), 'resumed', 'running'],
      [() => hypervisor.destroy('carried'), 'stopped', 'shut-off'],
    ] as const) {
      const event = waitForEvent(hypervisor, kind, isDomainEvent(kind, 'carried'));
      await action();
      const received = await event;
      assert.equal(received.type, 'domain');
      if (received.type !== 'domain') return;
      assert.deepEqual(received.domain, await hypervisor.getDomain('carried'), `the domain carried by ${kind}`);
      assert.equal(received.domain?.state, state);
      assert.equal(received.domain?.autostart, true);
    }
    await hypervisor.undefine('carried');
  });
}

/** Snapshots of a domain. */
function snapshotTests(driver: TestDriver): void {
  test('snapshots: create, list, revert, delete', async () => {
    const { hypervisor } = driver;
    await hypervisor.defineDomain(domainXml('snappy'));
    await hypervisor.start('snappy');
    const first = await hypervisor.createSnapshot('snappy', { name: 'running-state', description: 'taken while <running> & "fine"' });
    assert.deepEqual(
      { name: first.name, description: first.description, domainState: first.domainState, current: first.current },
      {
        name: 'running-state',
        description: 'taken while <running> & "fine"',
        domainState: 'running',
        current: true,
      },
    );
    await hypervisor.destroy('snappy');
    const second = await hypervisor.createSnapshot('snappy', { name: 'off-state' });
    assert.equal(second.domainState, 'shut-off');
    assert.equal(second.parent, 'running-state');

    const listed = await hypervisor.listSnapshots('snappy');
    assert.deepEqual(listed.map((snapshot) => [snapshot.name, snapshot.current]).sort(), [
      ['off-state', true],
      ['running-state', false],
    ]);

    await hypervisor.revertSnapshot('snappy', 'running-state');
    assert.equal((await hypervisor.getDomain('snappy'))?.state, 'running', 'reverting to a running snapshot runs the domain');
    await rejectsWith(hypervisor.revertSnapshot('snappy', 'nope'), 'no-such-snapshot', /no snapshot named 'nope'/);

    await hypervisor.deleteSnapshot('snappy', 'off-state');
    assert.deepEqual(
      (await hypervisor.listSnapshots('snappy')).map((snapshot) => snapshot.name),
      ['running-state'],
    );
    await hypervisor.destroy('snappy');
    await hypervisor.undefine('snappy'); // with its remaining snapshot's metadata
    assert.equal(await hypervisor.getDomain('snappy'), undefined);
  });
}

/** The other object kinds: networks, storage pools and volumes. */
function networkStorageTests(driver: TestDriver): void {
  test('isolated networks: define, start, list, stop, undefine; NAT accepted, other forwarding refused', async () => {
    const { hypervisor } = driver;
    const defined = await hypervisor.defineNetwork(buildNetworkXml({ name: 'vlm-lab1-lan', cidr: '10.77.0.0/24', dhcp: true }));
    assert.deepEqual(
      { name: defined.name, active: defined.active, persistent: defined.persistent },
      { name: 'vlm-lab1-lan', active: false, persistent: true },
    );
    await hypervisor.startNetwork('vlm-lab1-lan');
    assert.equal((await hypervisor.listNetworks()).find((network) => network.name === 'vlm-lab1-lan')?.active, true);
    await hypervisor.destroyNetwork('vlm-lab1-lan');
    assert.equal((await hypervisor.listNetworks()).find((network) => network.name === 'vlm-lab1-lan')?.active, false);
    await hypervisor.undefineNetwork('vlm-lab1-lan');
    assert.equal(
      (await hypervisor.listNetworks()).some((network) => network.name === 'vlm-lab1-lan'),
      false,
    );
    await rejectsWith(
      hypervisor.defineNetwork(`<network><name>routy</name><forward mode='route'/></network>`),
      'invalid-argument',
      /only isolated networks .* and NAT networks/,
    );
    await rejectsWith(
      hypervisor.defineNetwork(`<network><name>natty</name><forward mode='nat' dev='eth0'/></network>`),
      'invalid-argument',
      /only isolated networks/,
    );
    const nat = await hypervisor.defineNetwork(buildNetworkXml({ name: 'vlm-lab1-out', cidr: '10.77.1.0/24', mode: 'nat' }));
    assert.match(await hypervisor.getNetworkXml(nat.name), /<forward mode='nat'/);
    await hypervisor.undefineNetwork(nat.name);
    await rejectsWith(hypervisor.startNetwork('missing-net'), 'no-such-network', /No network named 'missing-net'/);
  });

  test('storage: a pool, a volume created and deleted in it', async () => {
    const { hypervisor } = driver;
    await hypervisor.defineStoragePool(buildDirectoryPoolXml({ name: 'vlm-pool', path: '/vlm-test-pool' }));
    await hypervisor.startStoragePool('vlm-pool');
    assert.equal((await hypervisor.listStoragePools()).find((pool) => pool.name === 'vlm-pool')?.active, true);
    const volume = await hypervisor.createVolume('vlm-pool', buildVolumeXml({ name: 'disk1.qcow2', capacityBytes: 1024 ** 3 }));
    assert.equal(volume.name, 'disk1.qcow2');
    assert.equal(volume.capacityBytes, 1024 ** 3);
    assert.ok(volume.path.endsWith('/disk1.qcow2'), volume.path);
    assert.deepEqual(
      (await hypervisor.listVolumes('vlm-pool')).map((item) => item.name),
      ['disk1.qcow2'],
    );
    await hypervisor.deleteVolume('vlm-pool', 'disk1.qcow2');
    assert.deepEqual(await hypervisor.listVolumes('vlm-pool'), []);
    await rejectsWith(hypervisor.deleteVolume('vlm-pool', 'disk1.qcow2'), 'no-such-volume', /no volume named 'disk1.qcow2'/);
    await hypervisor.destroyStoragePool('vlm-pool');
    await hypervisor.undefineStoragePool('vlm-pool');
    assert.equal(
      (await hypervisor.listStoragePools()).some((pool) => pool.name === 'vlm-pool'),
      false,
    );
  });
}

describe('libvirt test driver through libvirt-dbus', () => {
  const driver = useTestDriver();
  hostTests(driver);
  domainTests(driver);
  eventSummaryTests(driver);
  coldListingTests(driver);
  snapshotTests(driver);
  networkStorageTests(driver);

  test('a hung libvirt-dbus gives a timeout error naming the interface, method and object path', async () => {
    const { environment } = driver;
    const impatient = await connectLibvirt({
      driver: 'test',
      busAddress: environment.busAddress,
      callTimeoutMs: 300,
      pollIntervalMs: 60_000,
    });
    environment.libvirtDbus.process.freeze();
    try {
      await rejectsWith(
        impatient.start('test'),
        'timeout',
        /org\.libvirt\.Connect\.DomainLookupByName on \/org\/libvirt\/Test timed out after 300 ms/,
      );
    } finally {
      environment.libvirtDbus.process.thaw();
      await impatient.close();
    }
  });
});

describe('reconnecting when libvirt-dbus restarts', () => {
  const driver = useTestDriver();

  test('connection lost and restored are reported, events flow again afterwards, and the poll reports what changed meanwhile', async () => {
    const { environment, hypervisor } = driver;
    // The restarted libvirt-dbus brings a fresh test driver, without this domain: a change no signal announces.
    await hypervisor.defineDomain(domainXml('before-crash'));
    const vanished = waitForEvent(
      hypervisor,
      'domain-changed for before-crash',
      (event) => event.type === 'domain-changed' && event.name === 'before-crash',
    );
    // Keep changes (and so events) flowing across the crash.
    let flowing = true;
    let eventsBeforeCrash = 0;
    const counter = hypervisor.subscribe((event) => {
      if (event.type === 'domain') eventsBeforeCrash++;
    });
    const churn = (async () => {
      while (flowing) {
        await hypervisor.suspend('test').catch(() => undefined);
        await hypervisor.resume('test').catch(() => undefined);
      }
    })();
    await waitUntil('events before the crash', () => eventsBeforeCrash >= 4);
    counter.dispose();

    const lost = waitForEvent(hypervisor, 'connection-lost', (event) => event.type === 'connection-lost');
    await environment.libvirtDbus.kill();
    await lost;

    const restored = waitForEvent(hypervisor, 'connection-restored', (event) => event.type === 'connection-restored');
    await environment.libvirtDbus.restart();
    await restored;

    const after = waitForEvent(hypervisor, 'a domain event after restoring', (event) => event.type === 'domain' && event.name === 'test');
    await after;
    const change = await vanished;
    assert.equal(change.type === 'domain-changed' && change.domain, undefined, 'the vanished domain has no state');
    flowing = false;
    await churn;

    // A fresh libvirt-dbus means a fresh test driver: the listing must reflect it, not stale caches.
    await hypervisor.defineDomain(domainXml('after-restart'));
    assert.ok((await hypervisor.listDomains()).some((domain) => domain.name === 'after-restart'));
  });
});

describe('reconnecting when the D-Bus daemon restarts', () => {
  const driver = useTestDriver();

  test('a new bus at the same address is picked up, with lost and restored reported', async () => {
    const { environment, hypervisor } = driver;
    const lost = waitForEvent(hypervisor, 'connection-lost', (event) => event.type === 'connection-lost');
    await environment.bus.kill();
    // Nothing is listening now: a call fails as disconnected rather than hanging.
    await rejectsWith(hypervisor.listDomains(), 'disconnected', /ListDomains/);
    await lost;

    const restored = waitForEvent(hypervisor, 'connection-restored', (event) => event.type === 'connection-restored');
    await environment.bus.restart();
    await environment.libvirtDbus.restart();
    await restored;
    const started = waitForEvent(hypervisor, 'started after the bus came back', isDomainEvent('started', 'on-new-bus'));
    await hypervisor.defineDomain(domainXml('on-new-bus'));
    await hypervisor.start('on-new-bus');
    await started;
  });
});
