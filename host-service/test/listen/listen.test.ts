// vlm-host --listen: TLS over TCP with a bearer token. A self-signed certificate made here with
// openssl; clients check it, then must authenticate first. Without --listen no TCP port is open.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { AuthenticateRequest, HostErrorCode, HostInfoRequest } from '@vlm/schemas/src/host-protocol';
import { requireSuccess, runCommand } from '../../src/process/process-runner';
import { AuthenticationRateLimit, peerAddress } from '../../src/api/remote-listen';
import type { HostProcess } from '../api/host-process';
import { freePort, requireTools } from '../images/tiny-guest';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { frameRequest } from '../support/json-rpc-frame';

/** Inodes of the TCP sockets in LISTEN state (state 0A) on this machine, with their local address. */
async function listeningTcpSockets(): Promise<Map<string, string>> {
  const sockets = new Map<string, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9] !== undefined && fields[1] !== undefined) sockets.set(fields[9], fields[1]);
    }
  }
  return sockets;
}

/** Local addresses (hex, as in /proc/net/tcp) of the TCP listeners a process holds. */
async function tcpListenersOf(pid: number): Promise<string[]> {
  const listening = await listeningTcpSockets();
  const found: string[] = [];
  for (const descriptor of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${descriptor}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const address = inode === undefined ? undefined : listening.get(inode);
    if (address !== undefined) found.push(address);
  }
  return found;
}

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

interface TlsClient {
  socket: TLSSocket;
  connection: MessageConnection;
  closed: Promise<unknown>;
}

async function connectClient(port: number, certificate: Buffer, localAddress = '127.0.0.1'): Promise<TlsClient> {
  // From a chosen loopback address: the host limits failed authentications per address.
  const tcp = connectTcp({ host: '127.0.0.1', port, localAddress });
  const socket = connectTls({ socket: tcp, servername: '127.0.0.1', host: '127.0.0.1', ca: certificate });
  await once(socket, 'secureConnect');
  const closed = once(socket, 'close');
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.listen();
  return { socket, connection, closed };
}

function closeClient(client: TlsClient): void {
  client.connection.dispose();
  client.socket.destroy();
}

let fixture: HostFixture;
let hostCount = 0;
let certificate: Buffer;
const token = randomBytes(32).toString('hex');
let files: { cert: string; key: string; token: string };

before(async () => {
  requireTools('openssl');
  fixture = await startHostFixture({ name: 'listen', startHost: false });
  const work = fixture.folder;
  files = { cert: join(work, 'cert.pem'), key: join(work, 'key.pem'), token: join(work, 'token') };
  const generate = {
    program: 'openssl',
    args: [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=vlm-host test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ],
    timeoutMs: 30_000,
  };
  requireSuccess(generate, await runCommand(generate));
  certificate = await readFile(files.cert);
  await writeFile(files.token, `${token}\n`, { mode: 0o600 });
});

after(async () => {
  await fixture?.dispose();
});

/** Each host its own data directory and socket. */
function nextHostOptions(extraArguments: string[]) {
  hostCount += 1;
  return {
    dataDirectory: join(fixture.folder, `data-${hostCount}`),
    socketPath: join(fixture.folder, `host-${hostCount}.sock`),
    extraArguments,
  };
}

/** `--listen` on loopback with the run's certificate, key and token; a test swaps one file to see it refused. */
function listenArguments(port: number, replaced: { cert?: string; key?: string; token?: string } = {}): string[] {
  const { cert = files.cert, key = files.key, token: tokenFile = files.token } = replaced;
  return ['--listen', `127.0.0.1:${port}`, '--tls-cert', cert, '--tls-key', key, '--token-file', tokenFile];
}

function start(extraArguments: string[]): Promise<HostProcess> {
  return fixture.startHost(nextHostOptions(extraArguments));
}

/** Runs vlm-host expecting it to refuse its arguments: exit status and what it said. */
async function refused(extraArguments: string[]): Promise<{ code: number | null; stderr: string }> {
  const host = fixture.spawnHost(nextHostOptions(extraArguments));
  const { code } = await host.exited;
  return { code, stderr: host.stderr };
}

describe('vlm-host --listen (TLS and a token)', { timeout: 120_000 }, () => {
  test('without --listen, vlm-host opens no TCP port', async () => {
    const host = await start([]);
    assert.deepEqual(await tcpListenersOf(host.pid), []);
  });

  test('with a good token: TLS with the checked certificate, authenticate first, then the API works', async () => {
    const port = await freePort();
    const host = await start(listenArguments(port));
    assert.match(host.stdout, new RegExp(`TLS 127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(await tcpListenersOf(host.pid), [`0100007F:${hexPort(port)}`]);
    const client = await connectClient(port, certificate);
    try {
      assert.deepEqual(await client.connection.sendRequest(AuthenticateRequest.type, { token }), { authenticated: true });
      const info = await client.connection.sendRequest(HostInfoRequest.type, {});
      assert.equal(info.service.pid, host.pid);
      assert.equal(info.driver, 'test');
    } finally {
      closeClient(client);
    }
  });
});

describe('vlm-host --listen refuses a wrong token', { timeout: 120_000 }, () => {
  test('a wrong token, or any other first request, is refused with a clear error and the connection closed', async () => {
    const port = await freePort();
    await start(listenArguments(port));

    const wrong = await connectClient(port, certificate);
    try {
      await assert.rejects(
        wrong.connection.sendRequest(AuthenticateRequest.type, {
          token: `${token.slice(0, -1)}0` === token ? `${token.slice(0, -1)}1` : `${token.slice(0, -1)}0`,
        }),
        (error: unknown) => {
          assert.ok(error instanceof ResponseError);
          assert.equal(error.code, HostErrorCode.Unauthenticated);
          assert.match(error.message, /The token is not this host's token\. The connection is closed\./);
          return true;
        },
      );
      await wrong.closed;
    } finally {
      closeClient(wrong);
    }

    const missing = await connectClient(port, certificate);
    try {
      await assert.rejects(missing.connection.sendRequest(HostInfoRequest.type, {}), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, HostErrorCode.Unauthenticated);
        assert.match(error.message, /needs vlm\/authenticate with its token as the first request, not "vlm\/host\/info"/);
        return true;
      });
      await missing.closed;
    } finally {
      closeClient(missing);
    }

    const empty = await connectClient(port, certificate);
    try {
      await assert.rejects(empty.connection.sendRequest(AuthenticateRequest.method, {}), /has no token/);
      await empty.closed;
    } finally {
      closeClient(empty);
    }
  });
});

describe('vlm-host --listen closes on a wrong token', { timeout: 120_000 }, () => {
  test('a wrong token closes the connection at once: requests pipelined behind it are never read', async () => {
    const port = await freePort();
    const host = await start(listenArguments(port));
    const socket = connectTls({ host: '127.0.0.1', port, ca: certificate });
    await once(socket, 'secureConnect');
    // One write: a wrong guess, more guesses, the right token, then a real request.
    const guesses = Array.from({ length: 20 }, (_, index) =>
      frameRequest(index + 1, AuthenticateRequest.method, { token: `guess-${index}-${'x'.repeat(20)}` }),
    );
    socket.write(
      Buffer.concat([...guesses, frameRequest(21, AuthenticateRequest.method, { token }), frameRequest(22, HostInfoRequest.method, {})]),
    );
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    await once(socket, 'close');
    const answers = received
      .split(/Content-Length: \d+\r\n\r\n/)
      .filter(Boolean)
      .map((body) => JSON.parse(body) as { id: number; error?: { code: number; message: string } });
    assert.equal(answers.length, 1, `one answer, then the close: ${received}`);
    assert.equal(answers[0]?.id, 1);
    assert.equal(answers[0]?.error?.code, HostErrorCode.Unauthenticated);
    assert.match(answers[0]?.error?.message ?? '', /The token is not this host's token\. The connection is closed\./);
    assert.equal(host.stderr.match(/presented a wrong token/g)?.length, 1, 'only the first guess was checked');

    // One failure is under the limit: the right token still works.
    const client = await connectClient(port, certificate);
    try {
      assert.deepEqual(await client.connection.sendRequest(AuthenticateRequest.type, { token }), { authenticated: true });
    } finally {
      closeClient(client);
    }
  });
});

describe('vlm-host --listen limits failed authentications', { timeout: 120_000 }, () => {
  test('failed authentications are limited per address: past 5 in 60 s even the right token is refused unchecked, other addresses are not', async () => {
    const port = await freePort();
    const host = await start(listenArguments(port));
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const guess = await connectClient(port, certificate);
      try {
        await assert.rejects(
          guess.connection.sendRequest(AuthenticateRequest.type, { token: `wrong-guess-number-${attempt}` }),
          /The token is not this host's token/,
        );
        await guess.closed;
      } finally {
        closeClient(guess);
      }
    }
    const limited = await connectClient(port, certificate);
    try {
      await assert.rejects(limited.connection.sendRequest(AuthenticateRequest.type, { token }), (error: unknown) => {
        assert.ok(error instanceof ResponseError);
        assert.equal(error.code, HostErrorCode.Unauthenticated);
        assert.match(
          error.message,
          /^Too many failed authentications from 127\.0\.0\.1: at most 5 in 60 s\. This connection was not checked; try again in \d+ s\. The connection is closed\.$/,
        );
        return true;
      });
      await limited.closed;
    } finally {
      closeClient(limited);
    }
    assert.match(host.stderr, /Refused a TCP client from 127\.0\.0\.1 without checking its token/);
    // Another loopback address is another peer.
    const other = await connectClient(port, certificate, '127.0.0.2');
    try {
      assert.deepEqual(await other.connection.sendRequest(AuthenticateRequest.type, { token }), { authenticated: true });
      assert.equal((await other.connection.sendRequest(HostInfoRequest.type, {})).service.pid, host.pid);
    } finally {
      closeClient(other);
    }
  });
});

describe('vlm-host --listen refused at start', { timeout: 120_000 }, () => {
  test('refused at start: non-loopback bind without --allow-remote, a readable token file, missing certificate, TLS flags without --listen', async () => {
    const port = await freePort();
    const tls = listenArguments(port).slice(2);

    const remote = await refused(['--listen', `0.0.0.0:${port}`, ...tls]);
    assert.equal(remote.code, 1);
    assert.match(remote.stderr, /--listen 0\.0\.0\.0:\d+ would accept connections from other machines.*pass --allow-remote/);

    const openToken = join(fixture.folder, 'open-token');
    await writeFile(openToken, token);
    await chmod(openToken, 0o644);
    const readable = await refused(listenArguments(port, { token: openToken }));
    assert.match(readable.stderr, /--token-file: .*open-token has mode 0644; others could read the token\. Make it 0600/);

    const noCertificate = await refused(listenArguments(port, { cert: join(fixture.folder, 'nope.pem') }));
    assert.match(noCertificate.stderr, /--tls-cert: cannot read .*nope\.pem: ENOENT/);

    const swapped = await refused(listenArguments(port, { cert: files.key, key: files.cert }));
    assert.match(swapped.stderr, /cannot be used together/);

    const withoutListen = await refused(['--token-file', files.token]);
    assert.equal(withoutListen.code, 2);
    assert.match(withoutListen.stderr, /--token-file only applies with --listen HOST:PORT/);

    const badAddress = await refused(['--listen', 'example.org:443', ...tls]);
    assert.match(badAddress.stderr, /--listen needs an IP address or localhost to bind to, not "example\.org"/);
  });
});

test('the authentication limit is a sliding window per address, and forgets the stalest addresses past its size', () => {
  const limit = new AuthenticationRateLimit(3, 60_000, 2);
  for (const time of [0, 10_000, 20_000]) limit.recordFailure('10.0.0.1', time);
  assert.equal(limit.retryAfterMs('10.0.0.1', 20_000), 40_000, 'until the oldest failure leaves the window');
  assert.equal(limit.retryAfterMs('10.0.0.1', 60_001), 0);
  assert.equal(limit.retryAfterMs('10.0.0.2', 20_000), 0);
  for (const time of [0, 1, 2]) limit.recordFailure('10.0.0.2', time);
  for (const time of [0, 1, 2]) limit.recordFailure('10.0.0.3', time);
  assert.equal(limit.retryAfterMs('10.0.0.1', 30_000), 0, 'forgotten: two addresses at most');
  assert.ok(limit.retryAfterMs('10.0.0.3', 30_000) > 0);
  assert.equal(peerAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(peerAddress('::1'), '::1');
});
