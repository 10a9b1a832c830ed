// What the service does with the idle rules' answers, where a real guest cannot be made to
// misbehave cheaply: a guest that ignores the ACPI request is reported and left running, a refused
// request is reported as failed, and only the domains a watched lab recorded are ever touched.
// The hypervisor here is the service's two calls (list, shutdown) over a table of domain states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployLogLine, HostEventBody } from '@vlm/schemas/src/host-protocol';
import type { Lab } from '@vlm/schemas';
import { IdleShutdown } from '../../src/idle-shutdown/idle-shutdown-service';
import type { DomainSummary } from '../../src/libvirt/hypervisor';
import type { ReadonlyHostState } from '../../src/state/state-store';

const minute = 60_000;

function record(name: string, definition: Partial<Lab>, domains: string[], status: 'running' | 'deploying' = 'running') {
  return {
    name,
    status,
    definition: { name, vms: [], ...definition },
    createdAt: '',
    updatedAt: '',
    resources: { domains: domains.map((domain) => ({ name: `${name}.${domain}`, vm: domain })), volumes: [], networks: [], ports: [] },
    deployLog: [],
  };
}

function harness(states: Record<string, DomainSummary['state']>, refuse = new Set<string>()) {
  const labs = {
    quiet: record('quiet', { idle_shutdown_minutes: 1 }, ['a', 'b']),
    busy: record('busy', {}, ['c']),
    building: record('building', { idle_shutdown_minutes: 1 }, ['d'], 'deploying'),
  } as unknown as ReadonlyHostState['labs'];
  const published: HostEventBody[] = [];
  const logged: { lab: string; level: DeployLogLine['level']; text: string; vm?: string }[] = [];
  const asked: string[] = [];
  const service = new IdleShutdown({
    hypervisor: {
      listDomains: async () =>
        Object.entries(states).map(([name, state]) => {
          const [lab = '', vm = ''] = name.split('.');
          return {
            name,
            uuid: name,
            state,
            vcpu: 1,
            memoryBytes: 1,
            persistent: true,
            autostart: false,
            vlm: { lab, vm },
          } as DomainSummary;
        }),
      shutdown: async (name) => {
        asked.push(name);
        if (refuse.has(name)) throw new Error('Requested operation is not valid: domain is not running');
      },
    },
    labs: () => labs,
    publish: (event) => published.push(event),
    deployLog: async (lab, level, text, vm) => {
      logged.push({ lab, level, text, ...(vm === undefined ? {} : { vm }) });
    },
    openConsoles: () => 0,
    shutdownGraceMs: 2 * minute,
    log: () => undefined,
  });
  return { service, published, logged, asked };
}

const idleEverywhere = () => 0.5;

test('only recorded VMs of settled labs with the setting are asked; the guest that ignores it is reported, not forced', async () => {
  const states: Record<string, DomainSummary['state']> = {
    'quiet.a': 'running',
    'quiet.b': 'running',
    'busy.c': 'running',
    'building.d': 'running',
    'quiet.x': 'running',
  };
  const { service, published, logged, asked } = harness(states);
  await service.check(0, idleEverywhere);
  assert.equal(service.shutdownAt('quiet.a'), new Date(minute).toISOString());
  assert.equal(service.shutdownAt('busy.c'), undefined, 'no idle_shutdown_minutes');
  assert.equal(service.shutdownAt('building.d'), undefined, 'a deploy is under way');
  assert.equal(service.shutdownAt('quiet.x'), undefined, 'named like the lab, but not recorded by it');
  await service.check(minute, idleEverywhere);
  assert.deepEqual(asked, ['quiet.a', 'quiet.b']);
  assert.deepEqual(
    logged.map((line) => [line.vm, line.level]),
    [
      ['a', 'info'],
      ['b', 'info'],
    ],
  );

  // quiet.a powers off; quiet.b's guest ignores the request.
  states['quiet.a'] = 'shut-off';
  await service.check(2 * minute, idleEverywhere);
  assert.deepEqual(asked, ['quiet.a', 'quiet.b'], 'nothing forced, nothing asked twice within the grace period');
  await service.check(3 * minute, idleEverywhere);
  const ignored = published.find((event) => event.type === 'idle-shutdown' && event.outcome === 'ignored');
  assert.deepEqual(ignored && { ...ignored, detail: undefined }, {
    type: 'idle-shutdown',
    vm: 'quiet.b',
    lab: 'quiet',
    outcome: 'ignored',
    idleMinutes: 1,
    detail: undefined,
  });
  assert.match(
    logged.at(-1)?.text ?? '',
    /still running after the idle shutdown request: the guest ignored the ACPI power-off\. It is left running/,
  );
  assert.equal(logged.at(-1)?.level, 'warning');
  assert.deepEqual(asked, ['quiet.a', 'quiet.b'], 'never destroyed');
  // The idle period starts again; after it, the guest is asked once more.
  await service.check(3 * minute + 1, idleEverywhere);
  await service.check(4 * minute + 1, idleEverywhere);
  assert.deepEqual(asked, ['quiet.a', 'quiet.b', 'quiet.b']);
});

test('a request libvirt refuses is reported as failed, and the VM is not counted as asked', async () => {
  const { service, published, logged } = harness({ 'quiet.a': 'running' }, new Set(['quiet.a']));
  await service.check(0, idleEverywhere);
  await service.check(minute, idleEverywhere);
  const failed = published.find((event) => event.type === 'idle-shutdown');
  assert.equal(failed?.type === 'idle-shutdown' && failed.outcome, 'failed');
  assert.equal(logged.at(-1)?.level, 'error');
  assert.match(logged.at(-1)?.text ?? '', /^Idle shutdown of quiet\.a failed: Requested operation is not valid/);
  await service.check(minute + 1, idleEverywhere);
  assert.equal(service.shutdownAt('quiet.a'), new Date(2 * minute + 1).toISOString(), 'it counts again at once');
});

test('busy CPU or a missing sample keeps the countdown off', async () => {
  const { service, published } = harness({ 'quiet.a': 'running', 'quiet.b': 'running' });
  await service.check(0, (domain) => (domain === 'quiet.a' ? 5 : undefined));
  assert.deepEqual(published, []);
});
