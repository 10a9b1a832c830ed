// The status bar item's words: hosts connected of all, and a running deploy with its latest step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostSnapshot } from '../src/host-snapshot';
import { deployKey, runningDeploys, statusBarLook, stepLength } from '../src/status-bar-text';

function host(name: string, status: 'connected' | 'connecting' | 'disconnected', labs: HostSnapshot['labs'] = []): HostSnapshot {
  return { host: { name, isLocal: false, address: { kind: 'ssh', destination: name } }, state: { status }, labs };
}

test('without a deploy it shows hosts connected out of all, each in the tooltip', () => {
  const look = statusBarLook([host('local', 'connected'), host('far', 'disconnected'), host('near', 'connecting')], []);
  assert.equal(look.text, '$(server) 1/3');
  assert.match(look.tooltip, /^Virtual Labs: 1 of 3 hosts connected\nlocal: connected\nfar: disconnected\nnear: connecting\n/);
  assert.match(look.tooltip, /Click to show the Hosts view\.$/);
  assert.equal(statusBarLook([], []).text, '$(server) 0/0');
});

test('a deploying lab shows with its latest step, cut short in the bar and whole in the tooltip', () => {
  const snapshots = [
    host('local', 'connected', [
      { name: 'tiny-pair', status: 'deploying', tags: [], vms: [] },
      { name: 'done', status: 'running', tags: [], vms: [] },
    ]),
    host('far', 'disconnected', [{ name: 'stale', status: 'deploying', tags: [], vms: [] }]),
  ];
  const step = 'alpha: creating volume tiny-pair.alpha.qcow2 in pool default from the image';
  const deploys = runningDeploys(snapshots, new Map([[deployKey('local', 'tiny-pair'), step]]));
  assert.deepEqual(deploys, [{ hostName: 'local', labName: 'tiny-pair', step }]);
  const look = statusBarLook(snapshots, deploys);
  assert.equal(look.text, `$(server) 1/2 $(sync~spin) tiny-pair: ${step.slice(0, stepLength - 1)}…`);
  assert.match(look.tooltip, new RegExp(`Deploying tiny-pair on local: ${step}`));
  const starting = statusBarLook(snapshots, runningDeploys(snapshots, new Map()));
  assert.equal(starting.text, '$(server) 1/2 $(sync~spin) tiny-pair: starting');
});

test("icon syntax and line breaks in a host's words stay text", () => {
  const snapshots = [host('local', 'connected', [{ name: 'lab', status: 'deploying', tags: [], vms: [] }])];
  const look = statusBarLook(snapshots, [{ hostName: 'local', labName: 'lab', step: '$(alert) pwned\nsecond line' }]);
  assert.doesNotMatch(look.text.replace('$(server)', '').replace('$(sync~spin)', ''), /\$\(/);
  assert.doesNotMatch(look.text, /\n/);
});
