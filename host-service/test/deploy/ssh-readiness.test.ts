// Readiness against a real SSH server (ssh2's) on 127.0.0.1: nothing listens at first, then a
// server comes up that accepts only the lab's key. Also: the wrong key never counts as ready,
// and cancellation ends the wait at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Server, utils } from 'ssh2';
import { generateSshKeyPair } from '../../src/deploy/service-ssh-key';
import { SshNotReadyError, waitForSsh } from '../../src/deploy/ssh-readiness';

const serviceKey = generateSshKeyPair('vlm-test');
const otherKey = generateSshKeyPair('vlm-test');
const hostKey = generateSshKeyPair('vlm-test');

/** A free loopback port: bound, read and released. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** An SSH server that lets in only `allowed`'s public key. */
function sshServer(allowed: string): Server {
  const allowedKey = utils.parseKey(allowed);
  if (allowedKey instanceof Error) throw allowedKey;
  return new Server({ hostKeys: [hostKey.privateKey] }, (connection) => {
    connection.on('authentication', (context) => {
      const matches =
        context.method === 'publickey' &&
        context.key.algo === allowedKey.type &&
        Buffer.compare(context.key.data, allowedKey.getPublicSSH()) === 0 &&
        (context.signature === undefined || allowedKey.verify(context.blob as Buffer, context.signature, context.hashAlgo) === true);
      if (matches) context.accept();
      else context.reject(['publickey']);
    });
    connection.on('error', () => undefined);
  });
}

test('waits through refused connects until the server is up and accepts the key', async () => {
  const port = await freePort();
  const server = sshServer(serviceKey.publicKey);
  const waiting = waitForSsh({
    host: '127.0.0.1',
    port,
    user: 'root',
    privateKey: serviceKey.privateKey,
    timeoutMs: 20_000,
    signal: new AbortController().signal,
  });
  // The wait begins against a closed port (connects are refused); the server comes up after.
  await new Promise((resolve) => setImmediate(resolve));
  server.listen(port, '127.0.0.1');
  try {
    const ready = await waiting;
    assert.ok(ready.attempts >= 1);
    const expected = utils.parseKey(hostKey.publicKey);
    if (expected instanceof Error) throw expected;
    // The fingerprint OpenSSH would print for the server's host key.
    assert.equal(ready.hostKeySha256, createHash('sha256').update(expected.getPublicSSH()).digest('base64').replace(/=+$/, ''));
  } finally {
    server.close();
  }
});

test('a server that refuses the key is not ready: the deadline error says why', async () => {
  const server = sshServer(otherKey.publicKey);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await assert.rejects(
      waitForSsh({
        host: '127.0.0.1',
        port,
        user: 'root',
        privateKey: serviceKey.privateKey,
        timeoutMs: 1500,
        signal: new AbortController().signal,
      }),
      (error: unknown) => {
        assert.ok(error instanceof SshNotReadyError);
        assert.match(
          error.message,
          new RegExp(
            `SSH on 127\\.0\\.0\\.1:${port} did not accept the lab's key within 2 s \\(\\d+ attempt\\(s\\); last: All configured authentication methods failed\\)`,
          ),
        );
        return true;
      },
    );
  } finally {
    server.close();
  }
});

test('cancellation ends the wait promptly', async () => {
  const port = await freePort();
  const controller = new AbortController();
  const waiting = waitForSsh({
    host: '127.0.0.1',
    port,
    user: 'root',
    privateKey: serviceKey.privateKey,
    timeoutMs: 60_000,
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(waiting, /waiting for SSH on 127\.0\.0\.1:\d+ was cancelled/);
});

// As QEMU's user network does before the guest listens: the forward accepts, then stays silent.
test('a connect accepted but left silent does not hold up the wait: a fresh connect beside it notices sshd', async () => {
  const sshd = sshServer(serviceKey.publicKey).listen(0, '127.0.0.1');
  await once(sshd, 'listening');
  let guestUp = false;
  const held: Socket[] = [];
  const forward = createServer((connection) => {
    if (!guestUp) {
      held.push(connection); // never answered, never closed: the old wait hung here for its 30 s
      return;
    }
    const inner = connect((sshd.address() as AddressInfo).port, '127.0.0.1');
    connection.pipe(inner).pipe(connection);
    inner.on('error', () => connection.destroy());
    connection.on('error', () => inner.destroy());
  }).listen(0, '127.0.0.1');
  await once(forward, 'listening');
  try {
    const started = Date.now();
    const waiting = waitForSsh({
      host: '127.0.0.1',
      port: (forward.address() as AddressInfo).port,
      user: 'root',
      privateKey: serviceKey.privateKey,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    guestUp = true;
    const ready = await waiting;
    assert.ok(ready.attempts >= 2, `a fresh connect after the silent one (${ready.attempts} attempt(s))`);
    assert.ok(Date.now() - started < 10_000, `noticed within seconds, not after the 30 s attempt deadline (${Date.now() - started} ms)`);
  } finally {
    for (const connection of held) connection.destroy();
    forward.close();
    sshd.close();
  }
});

/** A forward whose connects the test decides: held silent, or piped to `sshd` (now or later). */
async function decidingForward(sshd: Server, decide: (connection: Socket, index: number) => 'hold' | 'pipe') {
  const held: Socket[] = [];
  const closed = new Set<Socket>();
  const pipe = (connection: Socket) => {
    const inner = connect((sshd.address() as AddressInfo).port, '127.0.0.1');
    connection.pipe(inner).pipe(connection);
    inner.on('error', () => connection.destroy());
    connection.on('error', () => inner.destroy());
    // A connect the wait dropped must not keep sshd (and the test run) alive.
    connection.on('close', () => inner.destroy());
  };
  const forward = createServer((connection) => {
    connection.on('close', () => closed.add(connection));
    connection.on('error', () => undefined);
    if (decide(connection, held.length) === 'pipe') pipe(connection);
    held.push(connection);
  }).listen(0, '127.0.0.1');
  await once(forward, 'listening');
  return { forward, held, closed, pipe, port: (forward.address() as AddressInfo).port };
}

// A starved guest answers an old connect late: it must still be open to be answered.
test('a silent connect is kept while fresh ones start beside it, and a late answer on it counts', async () => {
  const sshd = sshServer(serviceKey.publicKey).listen(0, '127.0.0.1');
  await once(sshd, 'listening');
  let answered = false;
  const forward = await decidingForward(sshd, (_connection, index) => (answered ? 'pipe' : index < 3 ? 'hold' : 'pipe'));
  try {
    const waiting = waitForSsh({
      host: '127.0.0.1',
      port: forward.port,
      user: 'root',
      privateKey: serviceKey.privateKey,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    // Three connects held silent; then only the first is answered (the other two never are).
    while (forward.held.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    answered = true;
    const [first] = forward.held;
    if (!first) throw new Error('no connect was held');
    assert.ok(!forward.closed.has(first), 'the first silent connect was still open when the guest answered it');
    forward.pipe(first);
    const ready = await waiting;
    assert.ok(ready.attempts >= 4, `three greeting connects and a login (${ready.attempts})`);
    // Every connect of the wait is closed once it is over: nothing is left open on the guest's port.
    const deadline = Date.now() + 10_000;
    while (forward.held.some((connection) => !forward.closed.has(connection)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(
      forward.held.filter((connection) => !forward.closed.has(connection)).length,
      0,
      'every connect of the wait was closed',
    );
  } finally {
    for (const connection of forward.held) connection.destroy();
    forward.forward.close();
    sshd.close();
  }
});

// A guest that boots slowly: every connect made before its sshd is up stays silent for good.
test('fresh connects keep coming at a steady pace through a long silence, with a bounded number open', async () => {
  const sshd = sshServer(serviceKey.publicKey).listen(0, '127.0.0.1');
  await once(sshd, 'listening');
  const silentConnects = 20;
  const forward = await decidingForward(sshd, (_connection, index) => (index < silentConnects ? 'hold' : 'pipe'));
  let mostOpen = 0;
  const counting = setInterval(() => {
    mostOpen = Math.max(mostOpen, forward.held.filter((connection) => !forward.closed.has(connection)).length);
  }, 5);
  try {
    // Connects that doubled their spacing would need about 70 s to reach the 21st.
    const ready = await waitForSsh({
      host: '127.0.0.1',
      port: forward.port,
      user: 'root',
      privateKey: serviceKey.privateKey,
      timeoutMs: 30_000,
      signal: new AbortController().signal,
    });
    assert.ok(ready.attempts > silentConnects, `${silentConnects} silent connects, then one answered (${ready.attempts} attempts)`);
    assert.ok(mostOpen <= 16, `silent connects open at once stay bounded (${mostOpen})`);
    assert.ok(mostOpen >= 8, `older silent connects are kept beside fresh ones (${mostOpen})`);
  } finally {
    clearInterval(counting);
    for (const connection of forward.held) connection.destroy();
    forward.forward.close();
    sshd.close();
  }
});

test('a forward that stays silent until the deadline fails with why, and leaves no connect open', async () => {
  const sshd = sshServer(serviceKey.publicKey).listen(0, '127.0.0.1');
  await once(sshd, 'listening');
  const forward = await decidingForward(sshd, () => 'hold');
  try {
    await assert.rejects(
      waitForSsh({
        host: '127.0.0.1',
        port: forward.port,
        user: 'root',
        privateKey: serviceKey.privateKey,
        timeoutMs: 1500,
        signal: new AbortController().signal,
      }),
      /did not accept the lab's key within 2 s \(\d+ attempt\(s\); last: no SSH greeting within \d+ ms\)/,
    );
    assert.ok(forward.held.length >= 2, `spare connects were made beside the silent one (${forward.held.length})`);
    const deadline = Date.now() + 10_000;
    while (forward.held.some((connection) => !forward.closed.has(connection)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(forward.held.filter((connection) => !forward.closed.has(connection)).length, 0, 'every connect was closed');
  } finally {
    for (const connection of forward.held) connection.destroy();
    forward.forward.close();
    sshd.close();
  }
});
