// What every GCP test shares: the stand-in, a credentials file pointing at its /token, the env that
// keeps google-auth-library off Google's hosts and the metadata server, and a record of every
// outgoing connection so a test can prove nothing left loopback.
import dns from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { CloudProvider } from '../../src/cloud-provider.js';
import { gcpProviderModule } from '../../src/gcp/gcp-provider.js';
import { type GcpStandIn, startGcpStandIn } from '../stand-ins/gcp-server.js';

export const project = 'vlm-test-project';
export const zones = ['europe-west1-b', 'europe-west1-c', 'us-central1-a'];

/** Every connection made since this module loaded (net and tls), as host and port. */
export const destinations: Array<{ host: string; port?: number }> = [];

function destinationOf(args: unknown[]): { host: string; port?: number } {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    const options = first as { host?: string; port?: number | string; path?: string };
    return options.path ? { host: `unix:${options.path}` } : { host: options.host ?? 'localhost', port: Number(options.port) };
  }
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordedConnect(this: net.Socket, ...args: unknown[]) {
  destinations.push(destinationOf(args));
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
const originalTlsConnect = tls.connect;
tls.connect = ((...args: unknown[]) => {
  destinations.push(destinationOf(args));
  return (originalTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
}) as typeof tls.connect;

// A name looked up is a DNS query leaving the machine, even when no connection follows.
const originalLookup = dns.lookup;
dns.lookup = ((hostname: string, ...rest: unknown[]) => {
  destinations.push({ host: `dns:${hostname}` });
  return (originalLookup as (...a: unknown[]) => void)(hostname, ...rest);
}) as typeof dns.lookup;

let metadataPort = 0;

/** Connections and name lookups that went anywhere but loopback, or to the (closed) metadata server port. */
export function strayConnections(): string[] {
  return destinations
    .filter(({ host, port }) => !['127.0.0.1', 'localhost', '::1'].includes(host.replace(/^dns:/, '')) || port === metadataPort)
    .map(({ host, port }) => `${host}:${port}`);
}

/** A loopback port nothing listens on, for the metadata server google-auth-library may look for. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface GcpFixture {
  standIn: GcpStandIn;
  folder: string;
  keyFile: string;
  provider(settings?: Record<string, unknown>): CloudProvider;
  close(): Promise<void>;
}

export async function openGcpFixture(): Promise<GcpFixture> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  metadataPort = await closedPort();
  process.env.GCE_METADATA_HOST = `127.0.0.1:${metadataPort}`;
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const standIn = await startGcpStandIn({ project, zones });
  const folder = mkdtempSync(join(tmpdir(), 'vlm-gcp-'));
  const keyFile = join(folder, 'credentials.json');
  writeFileSync(keyFile, JSON.stringify(standIn.credentials), { mode: 0o600 });
  const providers: CloudProvider[] = [];
  return {
    standIn,
    folder,
    keyFile,
    provider(settings = { project, keyFile, apiEndpoint: standIn.url }) {
      const parsed = gcpProviderModule.parseSettings(settings);
      const provider = gcpProviderModule.create({ id: 'gcp-test', provider: 'gcp', settings }, parsed, { get: async () => undefined });
      providers.push(provider);
      return provider;
    },
    async close() {
      for (const provider of providers) provider.dispose();
      await standIn.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
