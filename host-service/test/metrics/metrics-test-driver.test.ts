// The sampler and the metrics API on libvirt's test driver: one GetAllDomainStats per sample,
// samples only for running domains, history, the live stream, and bad requests. The test driver
// reports only states (no CPU time, balloon or devices), so rates here are null; the real-guest
// test shows real CPU %.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HostErrorCode,
  MetricsGetRequest,
  MetricsNotification,
  MetricsSubscribeRequest,
  type MetricsBatch,
} from '@vlm/schemas/src/host-protocol';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import { MetricsSampler } from '../../src/metrics/metrics-sampler';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { rejectsWithHostError } from '../api/host-process';

let fixture: HostFixture;

before(async () => {
  fixture = await startHostFixture({ name: 'metrics' });
});

after(async () => {
  await fixture?.dispose();
});

describe('the metrics sampler on the test driver', () => {
  test('one sample holds every running domain, with its state, and no rate the driver cannot give', async () => {
    let calls = 0;
    const source = {
      activeDomainStats: () => {
        calls++;
        return fixture.hypervisor.activeDomainStats();
      },
    };
    const sampler = new MetricsSampler(source);
    try {
      const first = await sampler.sampleNow();
      assert.equal(calls, 1, 'one call for all domains');
      const sample = first.samples.get('test');
      assert.ok(sample, `no sample of the built-in domain in ${JSON.stringify([...first.samples.keys()])}`);
      assert.equal(sample.state, 'running');
      assert.equal(sample.cpuPercent, null);
      assert.equal(sample.memorySource, 'none');
      assert.deepEqual(sampler.latest('test'), sample);
      await sampler.sampleNow();
      assert.equal(sampler.history('test').length, 2);
    } finally {
      sampler.close();
    }
  });

  test('a demand samples on its own until disposed; a stopped domain has no latest sample', async () => {
    const name = 'metrics-stopping';
    await fixture.hypervisor.defineDomain(buildDomainXml({ name, type: 'qemu', vcpu: 1, memoryMiB: 128 }));
    await fixture.hypervisor.start(name);
    const sampler = new MetricsSampler(fixture.hypervisor);
    try {
      const batches: number[] = [];
      const seen = new Promise<void>((resolve) => {
        sampler.onSample((batch) => {
          batches.push(batch.at);
          if (batches.length === 2) resolve();
        });
      });
      const demand = sampler.demand(500);
      assert.equal(sampler.intervalMs, 500);
      await seen;
      demand.dispose();
      assert.equal(sampler.intervalMs, undefined, 'nobody demands: the sampler stops');
      assert.equal(sampler.latest(name)?.state, 'running');
      await fixture.hypervisor.destroy(name);
      await sampler.sampleNow();
      assert.equal(sampler.latest(name), undefined);
      assert.ok(sampler.history(name).length >= 2, 'its history stays for the window');
    } finally {
      sampler.close();
      await fixture.hypervisor.undefine(name).catch(() => undefined);
    }
  });
});

describe('the metrics API on the test driver', () => {
  test('get answers one VM, or every VM, with the latest sample and, when asked, history', async () => {
    const { client } = fixture;
    const one = await client.sendRequest(MetricsGetRequest.type, { vm: 'test', history: true });
    assert.equal(one.vms.length, 1);
    assert.equal(one.vms[0]?.vm, 'test');
    assert.equal(one.vms[0]?.latest?.state, 'running');
    assert.ok((one.vms[0]?.history.length ?? 0) >= 1);
    const all = await client.sendRequest(MetricsGetRequest.type, {});
    assert.ok(all.vms.some((vm) => vm.vm === 'test'));
    assert.deepEqual(all.vms.find((vm) => vm.vm === 'test')?.history, [], 'no history unless asked');
  });

  test('a follower receives every batch until it stops following', async () => {
    const { client } = fixture;
    const batches: MetricsBatch[] = [];
    let resolveTwo: () => void = () => undefined;
    const two = new Promise<void>((resolve) => {
      resolveTwo = resolve;
    });
    const listening = client.onNotification(MetricsNotification.type, (batch) => {
      batches.push(batch);
      if (batches.length === 2) resolveTwo();
    });
    try {
      const { intervalMs } = await client.sendRequest(MetricsSubscribeRequest.type, { follow: true });
      assert.equal(intervalMs, 2000);
      await two;
      assert.ok(batches.every((batch) => batch.vms.some((vm) => vm.vm === 'test' && vm.sample.state === 'running')));
      assert.ok((batches[1]?.at ?? 0) > (batches[0]?.at ?? 0));
    } finally {
      await client.sendRequest(MetricsSubscribeRequest.type, { follow: false });
      listening.dispose();
    }
  });

  test('bad requests name the field: unknown VM or lab, both at once, hostile names, unknown fields', async () => {
    const { client } = fixture;
    await rejectsWithHostError(client.sendRequest(MetricsGetRequest.type, { vm: 'no-such-vm' }), HostErrorCode.NotFound, {
      field: '/vm',
      message: /no VM named "no-such-vm"/,
    });
    await rejectsWithHostError(client.sendRequest(MetricsGetRequest.type, { lab: 'no-such-lab' }), HostErrorCode.NotFound, {
      field: '/lab',
      message: /no lab named "no-such-lab"/,
    });
    await rejectsWithHostError(client.sendRequest(MetricsGetRequest.type, { vm: 'test', lab: 'lab1' }), HostErrorCode.InvalidParams);
    for (const vm of ['../etc/passwd', '<script>', 'a b', '']) {
      await rejectsWithHostError(client.sendRequest(MetricsGetRequest.type, { vm }), HostErrorCode.InvalidParams, { field: '/vm' });
    }
    await rejectsWithHostError(client.sendRequest(MetricsGetRequest.type, { lab: 'Bad_Lab' }), HostErrorCode.InvalidParams, {
      field: '/lab',
    });
    const unknownField = { follow: true, intervalMs: 10 } as unknown as { follow: boolean };
    await rejectsWithHostError(client.sendRequest(MetricsSubscribeRequest.type, unknownField), HostErrorCode.InvalidParams);
    await rejectsWithHostError(client.sendRequest(MetricsSubscribeRequest.type, {} as { follow: boolean }), HostErrorCode.InvalidParams);
  });
});
