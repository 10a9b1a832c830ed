// The health check against HTTP servers this test starts on loopback: a status and a latency,
// GET when HEAD is refused (and the body never read), a timeout waited on rather than slept,
// a refused port, redirects followed only to http and https, a bound on connections at once.
import assert from 'node:assert/strict';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { checkToolHealth, checkToolsHealth } from '../../src/tools/health/health-check';

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server on 127.0.0.1, port 0; its URL. */
async function serve(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('one health check', () => {
  test('200 and 500: the status and the latency', async () => {
    const methods: string[] = [];
    const ok = await serve((request, response) => {
      methods.push(request.method ?? '');
      response.writeHead(request.url === '/broken' ? 500 : 200).end();
    });
    const up = await checkToolHealth(ok.url, { now: () => new Date('2026-11-29T10:00:00Z') });
    assert.deepEqual(
      { ...up, latencyMs: typeof up.latencyMs },
      { checkedAt: '2026-11-29T10:00:00.000Z', status: 200, latencyMs: 'number' },
    );
    assert.ok((up.latencyMs ?? -1) >= 0);
    const down = await checkToolHealth(`${ok.url}broken`);
    assert.equal(down.status, 500);
    assert.equal(down.error, undefined);
    assert.deepEqual(methods, ['HEAD', 'HEAD']);
  });

  test('a 405 on HEAD is asked again with GET, whose endless body is never read', async () => {
    const methods: string[] = [];
    const { url } = await serve((request, response) => {
      methods.push(request.method ?? '');
      if (request.method === 'HEAD') return void response.writeHead(405, { allow: 'GET' }).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Never ends: a check that read the body would wait for its timeout.
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const health = await checkToolHealth(url, { timeoutMs: 10_000 });
    assert.deepEqual([health.status, health.error], [200, undefined]);
    assert.deepEqual(methods, ['HEAD', 'GET']);
  });

  test('a server that never answers: the timeout ends the check with a sentence', async () => {
    const { url } = await serve(() => {});
    const health = await checkToolHealth(url, { timeoutMs: 300 });
    assert.deepEqual([health.status, health.error], [undefined, 'no answer within 0.3 s']);
  });

  test('the caller stops a check: the panel closed', async () => {
    let asked: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const { url } = await serve(() => asked());
    const stop = new AbortController();
    const result = checkToolHealth(url, { signal: stop.signal });
    await arrived;
    stop.abort();
    assert.equal((await result).error, 'the check was stopped');
  });

  test('a refused port', async () => {
    const { url, server } = await serve(() => {});
    await new Promise((resolve) => server.close(resolve));
    assert.equal((await checkToolHealth(url)).error, 'connection refused');
  });
});

describe('redirects', () => {
  test('to file: and javascript: are not followed; to http on the same server is', async () => {
    const { url } = await serve((request, response) => {
      const to = { '/file': 'file:///etc/passwd', '/js': 'javascript:alert(1)', '/next': '/landed', '/secret': 'http://u:p@127.0.0.1/' }[
        request.url ?? ''
      ];
      if (to) return void response.writeHead(302, { location: to }).end();
      if (request.url === '/loop') return void response.writeHead(301, { location: '/loop' }).end();
      response.writeHead(request.url === '/landed' ? 204 : 404).end();
    });
    assert.deepEqual(await fields(`${url}file`), [302, 'it redirects to a file: URL, which is not followed']);
    assert.deepEqual(await fields(`${url}js`), [302, 'it redirects to a javascript: URL, which is not followed']);
    assert.deepEqual(await fields(`${url}next`), [204, undefined]);
    assert.deepEqual(await fields(`${url}loop`), [301, 'more than 3 redirects']);
    const secret = await fields(`${url}secret`);
    assert.match(secret[1] ?? '', /^a redirect was not followed: it must not hold a user name or password/);
  });

  test('a URL the catalog refuses is not requested at all', async () => {
    assert.match((await checkToolHealth('javascript:alert(1)')).error ?? '', /^the URL is refused: javascript: links are not allowed/);
    assert.match((await checkToolHealth('http://a:b@127.0.0.1/')).error ?? '', /user name or password/);
  });
});

async function fields(url: string): Promise<[number | undefined, string | undefined]> {
  const health = await checkToolHealth(url);
  return [health.status, health.error];
}

describe('many tools', () => {
  test('at most `concurrency` connections at once, every tool checked once', async () => {
    let open = 0;
    let most = 0;
    const waiting: ServerResponse[] = [];
    const { url, server } = await serve((_request, response) => {
      // Answered three at a time: an unbounded check would have all nine connections open here.
      waiting.push(response);
      if (waiting.length === 3) for (const held of waiting.splice(0)) held.writeHead(200).end();
    });
    server.on('connection', (socket) => {
      most = Math.max(most, ++open);
      socket.on('close', () => open--);
    });
    const targets = Array.from({ length: 9 }, (_, index) => ({ id: `t-${index}`, url: `${url}${index}` }));
    const results = new Map<string, number | undefined>();
    await checkToolsHealth(targets, { concurrency: 3 }, (target, health) => void results.set(target.id, health.status));
    assert.equal(results.size, 9);
    assert.deepEqual(new Set(results.values()), new Set([200]));
    assert.ok(most <= 3, `${most} connections were open at once`);
  });
});
