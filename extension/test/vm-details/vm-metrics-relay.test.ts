// The VM details relay: history then live samples, one host subscription per connection however
// many panels watch, nothing while hidden, a stopped VM said so, and wrong panel messages dropped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VmDetailsToPanel } from '@vlm/schemas';
import type { MetricsBatch, MetricsGetResult, VmMetricsSample } from '@vlm/schemas/src/host-protocol';
import { type MetricsLink, MetricsFollowers, VmDetailsSession, restoredTarget } from '../../src/vm-details/vm-metrics-relay';

function sample(at: number, cpuPercent: number | null = 5): VmMetricsSample {
  return {
    at,
    state: 'running',
    cpuPercent,
    vcpus: 1,
    memoryUsedBytes: null,
    memoryTotalBytes: null,
    memorySource: 'none',
    diskReadBytesPerSecond: null,
    diskWriteBytesPerSecond: null,
    netRxBytesPerSecond: null,
    netTxBytesPerSecond: null,
  };
}

/** A connection as the relay sees it: records follow calls, delivers batches to its one handler. */
class RecordingLink implements MetricsLink {
  follows: boolean[] = [];
  handler: ((batch: MetricsBatch) => void) | undefined;
  closers: Array<() => void> = [];
  history: VmMetricsSample[] = [];
  running = true;
  gets = 0;

  async get(domain: string): Promise<MetricsGetResult> {
    this.gets++;
    const latest = this.history.at(-1);
    return { intervalMs: 1000, vms: this.running && latest ? [{ vm: domain, latest, history: this.history }] : [] };
  }
  async follow(follow: boolean) {
    this.follows.push(follow);
    return { intervalMs: 1000 };
  }
  onBatch(listener: (batch: MetricsBatch) => void) {
    this.handler = listener;
    return { dispose: () => (this.handler = undefined) };
  }
  onClose(listener: () => void) {
    this.closers.push(listener);
    return { dispose: () => (this.closers = this.closers.filter((closer) => closer !== listener)) };
  }
  batch(at: number, vms: string[]): void {
    this.handler?.({ at, vms: vms.map((vm) => ({ vm, sample: sample(at) })) });
  }
}

function session(link: RecordingLink, followers: MetricsFollowers, domain = 'demo-web') {
  const posted: VmDetailsToPanel[] = [];
  const warnings: string[] = [];
  const relay = new VmDetailsSession({
    target: { host: 'local', vm: 'web', domain, lab: 'demo' },
    follower: () => followers.of(link, () => link),
    post: (message) => posted.push(message),
    warn: (line) => warnings.push(line),
  });
  return { relay, posted, warnings };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('VM details relay', () => {
  test('sends the history, then only its own VM’s newer samples', async () => {
    const link = new RecordingLink();
    link.history = [sample(1000), sample(2000)];
    const { relay, posted } = session(link, new MetricsFollowers(() => {}));
    await relay.handle({ type: 'ready' });
    assert.deepEqual(
      posted.map((message) => message.type),
      ['vm'],
    );
    assert.equal(posted[0]?.type === 'vm' && posted[0].history.length, 2);
    link.batch(2000, ['demo-web']);
    link.batch(3000, ['demo-web', 'other']);
    assert.deepEqual(posted.slice(1), [{ type: 'sample', sample: sample(3000) }]);
    await settle();
    assert.deepEqual(link.follows, [true]);
  });

  test('a VM missing from a batch is stopped; one not running shows no history', async () => {
    const link = new RecordingLink();
    link.history = [sample(1000)];
    const { relay, posted } = session(link, new MetricsFollowers(() => {}));
    await relay.show();
    link.batch(2000, ['other']);
    assert.deepEqual(posted.at(-1), { type: 'stopped', at: 2000 });
    link.running = false;
    await relay.show();
    const shown = posted.at(-2);
    assert.equal(shown?.type === 'vm' && shown.history.length, 0);
    assert.equal(posted.at(-1)?.type, 'stopped');
  });

  test('several panels on one connection share one subscription, ended by the last to hide', async () => {
    const link = new RecordingLink();
    const followers = new MetricsFollowers(() => {});
    const first = session(link, followers);
    const second = session(link, followers, 'demo-db');
    await first.relay.show();
    await second.relay.show();
    link.batch(5000, ['demo-web', 'demo-db']);
    assert.equal(first.posted.at(-1)?.type, 'sample');
    assert.equal(second.posted.at(-1)?.type, 'sample');
    first.relay.hide();
    await settle();
    assert.deepEqual(link.follows, [true]);
    link.batch(6000, ['demo-web']);
    assert.equal(first.posted.filter((message) => message.type === 'sample').length, 1, 'a hidden panel gets nothing');
    second.relay.hide();
    await settle();
    assert.deepEqual(link.follows, [true, false]);
    assert.equal(link.handler, undefined);
  });
});

describe('VM details relay: trouble and hostile input', () => {
  test('says when the host is not connected or disconnects', async () => {
    const link = new RecordingLink();
    link.history = [sample(1000)];
    const { relay, posted } = session(link, new MetricsFollowers(() => {}));
    await relay.show();
    for (const close of link.closers) close();
    assert.deepEqual(posted.at(-1), { type: 'problem', message: 'Host local disconnected: no live figures.' });
    const offline = new VmDetailsSession({
      target: { host: 'far', vm: 'web', domain: 'demo-web' },
      follower: () => 'Host far is not connected: no figures.',
      post: (message) => posted.push(message),
      warn: () => {},
    });
    await offline.show();
    assert.deepEqual(posted.at(-1), { type: 'problem', message: 'Host far is not connected: no figures.' });
  });

  test('drops a panel message of the wrong shape, saying which field', async () => {
    const link = new RecordingLink();
    const { relay, posted, warnings } = session(link, new MetricsFollowers(() => {}));
    await relay.handle({ type: 'ready', vm: '<img src=x onerror=alert(1)>' });
    await relay.handle({ type: 'subscribe' });
    await relay.handle('ready');
    assert.equal(posted.length, 0);
    assert.equal(link.gets, 0);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0] ?? '', /additional properties \("vm"\)/);
    assert.match(warnings[1] ?? '', /\/type must be one of ready/);
  });

  test('a restored panel must name a VM in plain text', () => {
    assert.deepEqual(restoredTarget({ host: 'local', vm: '<b>web</b>', domain: 'demo-web' }), {
      host: 'local',
      vm: '<b>web</b>',
      domain: 'demo-web',
    });
    assert.equal(restoredTarget(undefined), undefined);
    assert.equal(restoredTarget({ host: 'local', vm: 'web' }), undefined);
    assert.equal(restoredTarget({ host: 'local', vm: 'web\u0007', domain: 'd' }), undefined);
    assert.equal(restoredTarget({ host: 'local', vm: 'web', domain: 'd', lab: 7 }), undefined);
  });
});
