// ssh2's native crypto binding as vlm-host ships it: built by `npm ci` (ssh2's install script),
// copied beside every bundle that holds ssh2, and in use there; with the copy gone, the same
// SSH console runs on ssh2's JavaScript crypto. Both read the same bytes from a local ssh2 server
// (AES-GCM as with OpenSSH guests, AES-CTR with HMAC-SHA2 as with dropbear), and both end the
// console with a reason when the guest's stream is tampered with.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Server, type CipherAlgorithm, type MacAlgorithm } from 'ssh2';
import { bindingFileName, builtSsh2Binding, ssh2CryptoBinding } from '../../build/ssh2-crypto-binding.mjs';
import { generateSshKeyPair } from '../../src/deploy/service-ssh-key';
import { startHostFixture } from '../support/host-fixture';

const output = randomBytes(1024 * 1024);
const outputHash = createHash('sha256').update(output).digest('hex');

/** An SSH server whose shell answers "go" with `output`; only the given cipher and MAC are offered. */
async function startServer(cipher: CipherAlgorithm, hmac: MacAlgorithm): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new Server(
    { hostKeys: [generateSshKeyPair('vlm-test').privateKey], algorithms: { cipher: [cipher], hmac: [hmac] } },
    (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (context) => (context.method === 'publickey' ? context.accept() : context.reject(['publickey'])));
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('shell', (acceptShell) => {
          const shell = acceptShell();
          shell.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('go')) shell.write(output);
          });
        });
      });
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP relay to `port` that flips one byte of what the server sends once `after` bytes have passed. */
async function startTamperingRelay(port: number, after: number): Promise<{ port: number; stop(): Promise<void> }> {
  const relay: NetServer = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    let passed = 0;
    let flipped = false;
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.on('data', (chunk: Buffer) => {
      if (!flipped && passed + chunk.length > after) {
        const index = Math.max(0, after - passed);
        chunk[index] = (chunk[index] as number) ^ 0x40;
        flipped = true;
      }
      passed += chunk.length;
      inbound.write(chunk);
    });
    outbound.on('close', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return { port: (relay.address() as AddressInfo).port, stop: () => new Promise<void>((resolve) => relay.close(() => resolve())) };
}

interface Reading {
  crypto: string;
  bytes: number;
  sha256: string;
  reason: string | null;
}

interface Readers {
  work: string;
  keyPath: string;
  native: string;
  fallback: string;
}

/** The console reader bundled twice, as vlm-host is: with the binding beside it, and without (a machine without a compiler). */
async function bundleReaders(): Promise<Readers> {
  const work = await mkdtemp(join(tmpdir(), 'vlm-ssh-crypto-'));
  const keyPath = join(work, 'id_ed25519');
  await writeFile(keyPath, generateSshKeyPair('vlm-test').privateKey, { mode: 0o600 });
  const readers = { work, keyPath, native: '', fallback: '' };
  for (const variant of ['native', 'fallback'] as const) {
    await mkdir(join(work, variant));
    readers[variant] = join(work, variant, 'ssh-console-reader.js');
    await build({
      entryPoints: [join(__dirname, 'fixtures', 'ssh-console-reader.ts')],
      outfile: readers[variant],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['cpu-features'],
      plugins: [ssh2CryptoBinding()],
      logLevel: 'warning',
    });
  }
  await rm(join(work, 'fallback', bindingFileName), { force: true });
  return readers;
}

/** Runs one reader against 127.0.0.1:port and returns what it printed. */
async function read(readers: Readers, variant: 'native' | 'fallback', port: number): Promise<Reading> {
  const pins = join(readers.work, `pins-${variant}-${port}.json`);
  const child = spawn(process.execPath, [readers[variant], String(port), readers.keyPath, pins, String(output.length)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, `the console reader failed: ${stderr}`);
  return JSON.parse(stdout) as Reading;
}

describe('ssh2 native crypto: built, shipped beside the bundles, said in the ready line', { timeout: 120_000 }, () => {
  test('npm ci built the binding, and the build put it beside each bundle that holds ssh2', () => {
    assert.ok(
      builtSsh2Binding(),
      "ssh2's native crypto binding is not built (node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node). " +
        'Install a compiler (apt-get install g++ make python3), then run `npm ci`: ssh2 builds it at install.',
    );
    const repositoryRoot = join(__dirname, '..', '..', '..');
    for (const bundle of ['host-service/dist', 'extension/dist', 'extension/dist/host-service/dist'])
      assert.ok(existsSync(join(repositoryRoot, bundle, bindingFileName)), `${bundle}/${bindingFileName} (run node scripts/build.mjs)`);
  });

  test("vlm-host's ready line says which crypto its SSH consoles run", async () => {
    const fixture = await startHostFixture({ name: 'ssh-crypto' });
    try {
      assert.match(fixture.host.stdout, /, SSH crypto native\n/);
      await fixture.host.stop();
      await rm(join(fixture.folder, bindingFileName));
      await fixture.restart();
      assert.match(fixture.host.stdout, /, SSH crypto JavaScript\n/);
    } finally {
      await fixture.dispose();
    }
  });
});

describe('an SSH console on the native binding and on the JavaScript fallback', { timeout: 120_000 }, () => {
  let readers: Readers;
  before(async () => {
    readers = await bundleReaders();
  });
  after(async () => {
    if (readers) await rm(readers.work, { recursive: true, force: true });
  });

  for (const [cipher, hmac] of [
    ['aes128-gcm@openssh.com', 'hmac-sha2-256'],
    ['aes128-ctr', 'hmac-sha2-256'],
  ] as const) {
    test(`${cipher}: the same output arrives whole on either`, async () => {
      assert.ok(existsSync(join(readers.work, 'native', bindingFileName)), 'the binding beside the native reader');
      const server = await startServer(cipher, hmac);
      try {
        assert.deepEqual(await read(readers, 'native', server.port), {
          crypto: 'native',
          bytes: output.length,
          sha256: outputHash,
          reason: null,
        });
        assert.deepEqual(await read(readers, 'fallback', server.port), {
          crypto: 'JavaScript',
          bytes: output.length,
          sha256: outputHash,
          reason: null,
        });
      } finally {
        await server.stop();
      }
    });
  }

  test('a byte of the stream changed on the way ends the console with a reason, on either', async () => {
    const server = await startServer('aes128-ctr', 'hmac-sha2-256');
    // Past the handshake and login, inside the output.
    const relay = await startTamperingRelay(server.port, 200_000);
    try {
      for (const variant of ['native', 'fallback'] as const) {
        const reading = await read(readers, variant, relay.port);
        assert.ok(reading.bytes < output.length, `${variant}: not all the output arrived`);
        assert.match(reading.reason ?? '', /The SSH connection to vm-crypto (failed|closed)/, variant);
      }
    } finally {
      await relay.stop();
      await server.stop();
    }
  });
});
