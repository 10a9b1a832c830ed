// `vlm lab import URL`'s download, against an HTTP server on loopback that this test starts:
// only http(s), no redirect to another scheme, a size cap and a deadline, text only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { downloadLab, looksLikeUrl } from '../src/lab-download';

const goodLab = 'name: fetched\nvms:\n  - {name: a, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny}\n';
let server: Server;
let base: string;
const hanging = new Set<ServerResponse>();

const routes: Record<string, (response: ServerResponse) => void> = {
  '/lab.yaml': (response) => response.end(goodLab),
  '/to-file': (response) => response.writeHead(302, { location: 'file:///etc/passwd' }).end(),
  '/to-ftp': (response) => response.writeHead(301, { location: 'ftp://127.0.0.1/lab.yaml' }).end(),
  '/to-lab': (response) => response.writeHead(307, { location: '/lab.yaml' }).end(),
  '/loop': (response) => response.writeHead(302, { location: '/loop' }).end(),
  '/missing': (response) => response.writeHead(404).end('no'),
  '/declared-huge': (response) => response.writeHead(200, { 'content-length': String(64 * 1024 * 1024) }).end(),
  '/streamed-huge': (response) => {
    response.writeHead(200);
    const chunk = 'x'.repeat(64 * 1024);
    for (let index = 0; index < 40; index += 1) response.write(chunk);
    response.end();
  },
  '/binary': (response) => response.end(Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28])),
  '/never': (response) => {
    hanging.add(response);
    response.writeHead(200);
    response.write('name: slow\n');
  },
};

before(async () => {
  server = createServer((request, response) => (routes[request.url ?? ''] ?? routes['/missing'])?.(response));
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('a lab file over http, and through a same-scheme redirect', async () => {
  assert.equal(await downloadLab(`${base}/lab.yaml`), goodLab);
  assert.equal(await downloadLab(`${base}/to-lab`), goodLab);
});

test('schemes other than http and https are refused, directly or by redirect', async () => {
  for (const source of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'data:text/plain,name: x', 'javascript:alert(1)'])
    await assert.rejects(downloadLab(source), /URLs are not allowed: only https: and http: are/);
  await assert.rejects(downloadLab(`${base}/to-file`), /a redirect to file: URLs are not allowed/);
  await assert.rejects(downloadLab(`${base}/to-ftp`), /a redirect to ftp: URLs are not allowed/);
  await assert.rejects(downloadLab('http://user:secret@127.0.0.1:1/x'), /user name or password/);
  await assert.rejects(downloadLab(`${base}/loop`), /more than 5 redirects/);
});

test('too large, not found, not text, too slow: each says so', async () => {
  await assert.rejects(downloadLab(`${base}/declared-huge`), /more than the 4194304 a lab file may have/);
  await assert.rejects(downloadLab(`${base}/streamed-huge`, { maximumBytes: 1024 * 1024 }), /more than the 1048576 bytes/);
  await assert.rejects(downloadLab(`${base}/missing`), /answered 404/);
  await assert.rejects(downloadLab(`${base}/binary`), /not UTF-8 text/);
  await assert.rejects(downloadLab(`${base}/never`, { timeoutMs: 300 }), /no complete answer within 0.3 s/);
  // A port just freed: nothing listens there.
  const closed = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.once('listening', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(downloadLab(`http://127.0.0.1:${port}/lab.yaml`), /cannot fetch .*ECONNREFUSED/);
});

test('what counts as a URL: anything with a scheme; a plain path is a file', () => {
  assert.equal(looksLikeUrl('https://example.test/a.yaml'), true);
  assert.equal(looksLikeUrl('file:/etc/passwd'), true);
  assert.equal(looksLikeUrl('labs/a.lab.yaml'), false);
  assert.equal(looksLikeUrl('./a:b.yaml'), false);
  assert.equal(looksLikeUrl('/tmp/x.yaml'), false);
});
