import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once, EventEmitter } from 'node:events';
import type { CloudInstance, CloudOperation, CloudProvider, FollowOptions, InstanceState } from '@vlm/clouds/src/cloud-provider';
import { CloudError } from '@vlm/clouds/src/cloud-errors';
import { CloudFollowers } from '../src/clouds/cloud-followers';

function instance(state: InstanceState): CloudInstance {
  return {
    provider: 'proxmox',
    accountId: 'pve',
    location: 'pve1',
    id: 'pve1/100',
    name: 'web',
    state,
    providerState: state,
    tags: {},
    actions: [],
  };
}

/** A provider whose getInstance answers from a script, and whose followOperation waits for the test to settle it. */
class ScriptedProvider extends EventEmitter implements Partial<CloudProvider> {
  readonly kind = 'proxmox' as const;
  readonly accountId = 'pve';
  gets: AbortSignal[] = [];
  follows: FollowOptions[] = [];
  constructor(private readonly script: InstanceState[]) {
    super();
  }
  async getInstance(_location: string, _id: string, signal?: AbortSignal): Promise<CloudInstance> {
    this.gets.push(signal as AbortSignal);
    this.emit('get');
    return instance(this.script.shift() ?? 'running');
  }
  followOperation(_operation: CloudOperation, options: FollowOptions = {}): Promise<CloudInstance> {
    this.follows.push(options);
    this.emit('follow');
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      this.once('settle', (result: CloudInstance | Error) => (result instanceof Error ? reject(result) : resolve(result)));
    });
  }
}

function followersOf(provider: ScriptedProvider) {
  const seen: InstanceState[] = [];
  const failures: unknown[] = [];
  const followers = new CloudFollowers(
    {
      provider: () => provider as unknown as CloudProvider,
      onInstance: (item) => seen.push(item.state),
      onFailure: (_target, error) => failures.push(error),
    },
    [1, 2, 4],
  );
  return { followers, seen, failures };
}

const operation: CloudOperation = {
  provider: 'proxmox',
  accountId: 'pve',
  location: 'pve1',
  instanceId: 'pve1/100',
  action: 'stop',
  handle: 'UPID:pve1:1',
};

test('a row listed in a transitional state is polled until it settles', async () => {
  const provider = new ScriptedProvider(['pending', 'pending', 'running']);
  const { followers, seen } = followersOf(provider);
  followers.watch(instance('pending'));
  await followers.idle();
  assert.deepEqual(seen, ['pending', 'pending', 'running']);
  assert.equal(followers.followed, 0);
});

test('hiding the view aborts polling; showing it again resumes until the row settles', async () => {
  const provider = new ScriptedProvider(['stopping', 'stopped']);
  const { followers, seen } = followersOf(provider);
  followers.watch(instance('stopping'));
  await once(provider, 'get');
  followers.setVisible(false);
  await followers.idle();
  const whileHidden = provider.gets.length;
  assert.equal(followers.followed, 1, 'still remembered while hidden');
  assert.ok(
    provider.gets.every((signal) => signal.aborted),
    'every request of the visible period was aborted',
  );
  followers.setVisible(true);
  await followers.idle();
  assert.ok(provider.gets.length > whileHidden);
  assert.equal(seen.at(-1), 'stopped');
  assert.equal(followers.followed, 0);
});

test('an operation is followed through the provider; hidden and shown again, it is followed again to its end', async () => {
  const provider = new ScriptedProvider([]);
  const { followers, seen } = followersOf(provider);
  const followed = once(provider, 'follow');
  followers.follow(operation);
  await followed;
  provider.follows[0]?.onInstance?.(instance('stopping'));
  followers.setVisible(false);
  await followers.idle();
  assert.equal(followers.followed, 1);
  const followedAgain = once(provider, 'follow');
  followers.setVisible(true);
  await followedAgain;
  provider.emit('settle', instance('stopped'));
  await followers.idle();
  assert.deepEqual(seen, ['stopping', 'stopped']);
  assert.equal(followers.followed, 0);
});

test('a failed operation reaches onFailure with the CloudError and its code', async () => {
  const provider = new ScriptedProvider([]);
  const { followers, failures } = followersOf(provider);
  const followed = once(provider, 'follow');
  followers.follow(operation);
  await followed;
  provider.emit('settle', new CloudError('wrongState', 'proxmox', 'VM 100 is locked (backup)', { code: 'HTTP 500' }));
  await followers.idle();
  assert.equal(failures.length, 1);
  assert.match((failures[0] as CloudError).describe(), /proxmox: VM 100 is locked \(backup\) \(HTTP 500\)\./);
});
