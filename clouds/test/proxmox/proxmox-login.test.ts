// Logging in to the Proxmox stand-in: API tokens, tickets with their CSRF token (renewed, and
// refreshed when refused), refused credentials, and TLS that is verified, never switched off.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type CloudError, isCloudError } from '../../src/cloud-errors.js';
import { type ProxmoxStandIn, startProxmoxStandIn } from '../stand-ins/proxmox-server.js';
import { makeProvider } from './proxmox-fixture.js';

let standIn: ProxmoxStandIn;

before(async () => {
  standIn = await startProxmoxStandIn();
});

after(async () => {
  await standIn?.close();
});

/** A bare HTTPS call to the stand-in, to see what it refuses on its own. */
function rawCall(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; reason: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${standIn.url}/api2/json${path}`, { method, headers, ca: standIn.ca }, (incoming) => {
      let text = '';
      incoming.on('data', (chunk) => {
        text += chunk;
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, reason: incoming.statusMessage ?? '', body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function expectKind(kind: CloudError['kind'], secret?: string) {
  return (error: unknown) => {
    assert.ok(isCloudError(error), `expected a CloudError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.describe());
    if (secret !== undefined) {
      const everything = `${error.describe()} ${error.stack} ${JSON.stringify(error)}`;
      assert.ok(!everything.includes(secret), 'the secret must not appear in the error');
    }
    return true;
  };
}

describe('Proxmox login', { timeout: 60_000 }, () => {
  test('a ticket login sends the cookie, and the CSRF token on every POST', async () => {
    const provider = makeProvider(standIn, { login: 'ticket' });
    try {
      const from = standIn.requests.length;
      assert.equal((await provider.listInstances('pve1')).instances.length, 2);
      await provider.followOperation(await provider.runAction('pve1', '101', 'start'));
      const requests = standIn.requests.slice(from);
      assert.deepEqual(requests[0], { method: 'POST', path: '/access/ticket', auth: 'none', csrf: false, login: 'password' });
      assert.equal(requests.filter((item) => item.path === '/access/ticket').length, 1, 'one login for all calls');
      const start = requests.find((item) => item.method === 'POST' && item.path.endsWith('/status/start'));
      assert.deepEqual(start, { method: 'POST', path: '/nodes/pve1/qemu/101/status/start', auth: 'ticket', csrf: true });
      assert.equal(standIn.cluster.vms.get(101)?.status, 'running');
    } finally {
      provider.dispose();
    }
  });

  test('a ticket is renewed with itself before it expires, and a refused one brings a fresh login', async () => {
    let now = Date.now();
    const provider = makeProvider(standIn, { login: 'ticket', now: () => now });
    const from = standIn.requests.length;
    try {
      await provider.listLocations();
      now += 91 * 60_000;
      await Promise.all([provider.listLocations(), provider.listInstances('pve1'), provider.listInstances('pve2')]);
      standIn.expireTickets();
      await provider.listLocations();
      const logins = standIn.requests.slice(from).filter((item) => item.path === '/access/ticket');
      assert.deepEqual(
        logins.map((item) => item.login),
        ['password', 'renewal', 'password'],
      );
    } finally {
      provider.dispose();
    }
  });

  test('a wrong token secret, a removed token and a wrong password are auth errors without the secret', async () => {
    const wrongSecret = 'c0ffee00-0000-4000-8000-000000000000';
    const wrong = makeProvider(standIn, { secrets: { tokenSecret: wrongSecret } });
    await assert.rejects(wrong.listLocations(), expectKind('auth', wrongSecret));
    await assert.rejects(wrong.listLocations(), /invalid token value/);
    wrong.dispose();
    const password = makeProvider(standIn, { login: 'ticket', secrets: { password: 'hunter2-wrong' } });
    await assert.rejects(password.listLocations(), expectKind('auth', 'hunter2-wrong'));
    password.dispose();
    const missing = makeProvider(standIn, { secrets: {} });
    await assert.rejects(
      missing.listLocations(),
      (error: unknown) => expectKind('auth')(error) && /no tokenSecret is stored/.test((error as Error).message),
    );
    missing.dispose();
    const revoked = await startProxmoxStandIn();
    const provider = makeProvider(revoked);
    try {
      await provider.listLocations();
      revoked.revokeToken(revoked.token.id);
      await assert.rejects(provider.listLocations(), (error: unknown) => {
        expectKind('auth', revoked.token.secret)(error);
        assert.match((error as CloudError).describe(), /no such token 'vlm'.*\(401\).*expired or been removed/);
        return true;
      });
    } finally {
      provider.dispose();
      await revoked.close();
    }
  });
});

describe('Proxmox TLS', { timeout: 60_000 }, () => {
  test('without the CA the self-signed certificate is refused (TLS verification is on)', async () => {
    const provider = makeProvider(standIn, { settings: { caFile: undefined } });
    try {
      const from = standIn.requests.length;
      await assert.rejects(provider.listLocations(), (error: unknown) => {
        expectKind('unreachable')(error);
        assert.match((error as CloudError).details.code ?? '', /UNABLE_TO_VERIFY|SELF_SIGNED|ISSUER/);
        assert.match((error as CloudError).details.hint ?? '', /caFile/);
        return true;
      });
      assert.equal(standIn.requests.length, from, 'no request got through');
    } finally {
      provider.dispose();
    }
  });

  test('NODE_EXTRA_CA_CERTS trusts the CA too, for users who set it for Node', async () => {
    const run = promisify(execFile);
    const environment = { PROXMOX_URL: standIn.url, PROXMOX_TOKEN_ID: standIn.token.id, PROXMOX_TOKEN_SECRET: standIn.token.secret };
    const child = (extra: Record<string, string>) =>
      run(process.execPath, ['--import', 'tsx', 'clouds/test/proxmox/list-nodes.ts'], {
        env: { ...process.env, ...environment, ...extra },
        timeout: 30_000,
      });
    assert.deepEqual(JSON.parse((await child({ NODE_EXTRA_CA_CERTS: standIn.caFile })).stdout), ['pve1', 'pve2']);
    assert.match(JSON.parse((await child({})).stdout).error, /certificate/);
  });
});

describe('What the Proxmox stand-in checks on its own', { timeout: 60_000 }, () => {
  test('the stand-in refuses a POST with a ticket but no (or a wrong) CSRF token', async () => {
    const form = `username=${encodeURIComponent(standIn.user.username)}&password=${encodeURIComponent(standIn.user.password)}`;
    const login = await rawCall('POST', '/access/ticket', { 'Content-Type': 'application/x-www-form-urlencoded' }, form);
    const { ticket, CSRFPreventionToken } = JSON.parse(login.body).data;
    const cookie = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` };
    const path = '/nodes/pve1/qemu/101/status/stop';
    const tasks = standIn.cluster.tasks.size;
    const without = await rawCall('POST', path, cookie);
    assert.deepEqual([without.status, without.reason], [401, 'Permission denied - invalid csrf token']);
    const wrong = await rawCall('POST', path, { ...cookie, CSRFPreventionToken: `${CSRFPreventionToken}x` });
    assert.equal(wrong.status, 401);
    assert.equal((await rawCall('GET', '/nodes', cookie)).status, 200, 'a GET needs no CSRF token');
    assert.equal(standIn.cluster.tasks.size, tasks, 'no task was started');
  });

  test('the stand-in filters the cluster resource list by privilege, as PVE does', async () => {
    const asToken = (token: { id: string; secret: string }) => ({ Authorization: `PVEAPIToken=${token.id}=${token.secret}` });
    const full = await rawCall('GET', '/cluster/resources?type=vm', asToken(standIn.token));
    const rows = JSON.parse(full.body).data as Array<Record<string, unknown>>;
    assert.deepEqual(
      rows.map((row) => [row.id, row.type, row.node, row.vmid]),
      [
        ['qemu/100', 'qemu', 'pve1', 100],
        ['qemu/101', 'qemu', 'pve1', 101],
        ['qemu/200', 'qemu', 'pve2', 200],
      ],
    );
    const separated = await rawCall('GET', '/cluster/resources?type=vm', asToken(standIn.separatedToken));
    assert.deepEqual(JSON.parse(separated.body), { data: [] });
    const wrongType = await rawCall('GET', '/cluster/resources?type=vms', asToken(standIn.token));
    assert.deepEqual(
      [wrongType.status, JSON.parse(wrongType.body).errors.type],
      [400, "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'"],
    );
  });
});
