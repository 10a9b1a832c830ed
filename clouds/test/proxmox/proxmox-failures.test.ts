// What the Proxmox provider does when the server misbehaves: a 500, answers that are not JSON or
// not in the envelope, a node that never answers, and hostile names that must not be followed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CloudError, isCloudError } from '../../src/cloud-errors.js';
import { type ProxmoxStandIn, startProxmoxStandIn } from '../stand-ins/proxmox-server.js';
import { makeProvider } from './proxmox-fixture.js';

let standIn: ProxmoxStandIn;

before(async () => {
  standIn = await startProxmoxStandIn({ nodes: ['pve1', 'pve2', 'pve3'], hangingNodes: ['pve3'] });
});

after(async () => {
  await standIn?.close();
});

function expectKind(kind: CloudError['kind'], message?: RegExp) {
  return (error: unknown) => {
    assert.ok(isCloudError(error), `expected a CloudError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.describe());
    if (message !== undefined) assert.match(error.describe(), message);
    return true;
  };
}

/** Paths the stand-in saw that carry anything a validated name could not hold. */
function suspiciousRequests(): string[] {
  return standIn.requests.map((request) => request.path).filter((path) => /\.\.|;|%2F\.|\/x\b|rm/.test(path));
}

describe('Proxmox failures', { timeout: 60_000 }, () => {
  test('a 500, a 595 from an unreachable node, a 403, and an offline node in the index', async () => {
    const provider = makeProvider(standIn);
    try {
      standIn.interfere({ path: /^\/nodes\/pve1\/qemu$/, answer: { status: 500, reason: 'cluster not ready - no quorum?' } });
      await assert.rejects(provider.listInstances('pve1'), expectKind('provider', /pve1\/qemu: cluster not ready - no quorum\? \(500\)/));
      assert.equal((await provider.listInstances('pve1')).instances.length, 2, 'the next call works again');
      standIn.interfere({ path: /^\/nodes\/pve2\/qemu$/, answer: { status: 595, reason: 'No route to host' } });
      await assert.rejects(
        provider.listInstances('pve2'),
        expectKind('unreachable', /No route to host \(595\)\. The cluster could not reach that node/),
      );
      standIn.interfere({
        path: /^\/nodes\/pve2\/qemu\/200\/status\/current$/,
        answer: { status: 403, reason: 'Permission check failed (/vms/200, VM.Audit)' },
      });
      await assert.rejects(provider.getInstance('pve2', '200'), expectKind('permission', /\(403\)\. Grant the user .*VM\.Audit/));
      standIn.interfere({
        path: /^\/nodes$/,
        answer: {
          data: (rows) =>
            (rows as Array<Record<string, unknown>>).map((row) => ({ ...row, status: row.node === 'pve3' ? 'offline' : row.status })),
        },
      });
      assert.deepEqual(
        (await provider.listLocations()).map((location) => location.label),
        ['pve1', 'pve2', 'pve3 (offline)'],
      );
    } finally {
      provider.dispose();
    }
  });

  test('an answer that is not JSON, not in the envelope, or of the wrong shape is malformed', async () => {
    const provider = makeProvider(standIn);
    try {
      standIn.interfere({ path: /^\/nodes$/, answer: { raw: '<html>502 Bad Gateway</html>' } });
      await assert.rejects(provider.listLocations(), expectKind('malformed', /not JSON/));
      standIn.interfere({ path: /^\/nodes$/, answer: { raw: '[{"node":"pve1"}]' } });
      await assert.rejects(provider.listLocations(), expectKind('malformed', /envelope/));
      standIn.interfere({ path: /^\/nodes\/pve1\/qemu$/, answer: { data: () => 'not a list' } });
      await assert.rejects(provider.listInstances('pve1'), expectKind('malformed', /list of objects/));
      standIn.interfere({ path: /^\/nodes\/pve1\/qemu\/101\/status\/current$/, answer: { data: () => [] } });
      await assert.rejects(provider.getInstance('pve1', '101'), expectKind('malformed'));
    } finally {
      provider.dispose();
    }
  });

  test('a node that does not answer fails at the deadline; the other nodes still list', async () => {
    const provider = makeProvider(standIn, { settings: { timeoutSeconds: 1 } });
    try {
      const started = Date.now();
      await assert.rejects(
        provider.listInstances('pve3'),
        expectKind('unreachable', /pve3\/qemu at https:\/\/127\.0\.0\.1:\d+ did not answer within 1 s \(timeout\).*timeoutSeconds/),
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 3_000, `failed after ${elapsed} ms`);
      assert.equal((await provider.listInstances('pve2')).instances.length, 1);
    } finally {
      provider.dispose();
    }
  });
});

describe('Proxmox hostile names', { timeout: 60_000 }, () => {
  test('hostile names from the server are refused, not followed', async () => {
    const provider = makeProvider(standIn);
    try {
      standIn.interfere({ path: /^\/nodes$/, answer: { data: (rows) => [...(rows as unknown[]), { node: '../../x', status: 'online' }] } });
      await assert.rejects(provider.listLocations(), expectKind('malformed', /node name "\.\.\/\.\.\/x".*refused, not followed/));
      standIn.interfere({
        path: /^\/nodes\/pve1\/qemu$/,
        answer: { data: (rows) => [...(rows as unknown[]), { vmid: '1;rm', status: 'running' }] },
      });
      await assert.rejects(provider.listInstances('pve1'), expectKind('malformed', /VM id "1;rm"/));
      standIn.interfere({
        path: /^\/nodes\/pve2\/qemu\/200\/status\/reboot$/,
        answer: { data: () => 'UPID:../../x:0:0:0:qmreboot:200:root@pam:' },
      });
      await assert.rejects(provider.runAction('pve2', '200', 'reboot'), expectKind('malformed', /task id/));
      standIn.interfere({
        path: /^\/nodes\/pve2\/qemu\/200\/status\/reboot$/,
        answer: { data: () => 'UPID:pve1:00001001:0013000E:6B0BE54B:qmreboot:200:root@pam:' },
      });
      await assert.rejects(provider.runAction('pve2', '200', 'reboot'), expectKind('malformed', /of node "pve1", not of "pve2"/));
      assert.deepEqual(suspiciousRequests(), []);
    } finally {
      provider.dispose();
    }
  });

  test('hostile names from the caller are refused before anything is sent', async () => {
    const provider = makeProvider(standIn);
    try {
      const from = standIn.requests.length;
      await assert.rejects(provider.listInstances('../../x'), expectKind('invalidInput', /node name/));
      await assert.rejects(provider.getInstance('pve1', '1;rm'), expectKind('invalidInput', /VM id "1;rm"/));
      await assert.rejects(provider.getInstance('pve1', '99'), expectKind('invalidInput', /from 100 to 999999999/));
      const forged = { provider: 'proxmox' as const, accountId: 'lab', location: 'pve1', instanceId: '100', action: 'stop' as const };
      await assert.rejects(provider.followOperation({ ...forged, handle: 'UPID:pve1:/../../x' }), expectKind('invalidInput', /not a UPID/));
      await assert.rejects(provider.followOperation({ ...forged, location: 'pve1/../x', handle: 'x' }), expectKind('invalidInput'));
      assert.equal(standIn.requests.length, from, 'nothing was sent');
    } finally {
      provider.dispose();
    }
  });
});
