// What the Azure tests share: the stand-in, a provider pointed at it through the real SDK
// pipeline (its CA given as the pipeline's TLS option), and a guard that records every outgoing
// connection and refuses any that is not loopback, so nothing reaches Entra, IMDS or ARM.
import assert from 'node:assert/strict';
import net from 'node:net';
import { CloudError } from '../../src/cloud-errors.js';
import type { CloudAccount, SecretSource } from '../../src/cloud-provider.js';
import { type AzureProvider, azureProviderModule, createAzureProvider } from '../../src/azure/azure-provider.js';
import { type AzureStandIn, startAzureStandIn } from '../stand-ins/azure-server.js';

export const connections: string[] = [];
const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

function destination(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    // tls.connect passes `path: null` for TCP, so only a string path is a Unix socket.
    const options = first as { host?: string | null; port?: number; path?: string | null };
    return typeof options.path === 'string' ? `unix:${options.path}` : `${options.host ?? 'localhost'}:${options.port}`;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return `unix:${first}`;
  return `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${String(first)}`;
}

/** Installs the guard once per process; a refused connection fails with ENETUNREACH-like error. */
export function guardNetwork(): void {
  const prototype = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown; vlmGuarded?: boolean };
  if (prototype.vlmGuarded) return;
  const original = prototype.connect;
  prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const target = destination(args);
    connections.push(target);
    const host = target.startsWith('unix:') ? 'localhost' : target.slice(0, target.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    if (!loopback.has(host)) {
      process.nextTick(() => this.destroy(new Error(`test network guard: refused a connection to ${target}`)));
      return this;
    }
    return original.apply(this, args);
  };
  prototype.vlmGuarded = true;
  // Nothing in the standard chain may find real credentials or endpoints on this machine.
  for (const name of Object.keys(process.env))
    if (name.startsWith('AZURE_') || name.startsWith('MSI_') || name === 'IDENTITY_ENDPOINT') delete process.env[name];
  process.env.AZURE_CONFIG_DIR = '/nonexistent-vlm-azure-config';
}

export function nonLoopbackConnections(): string[] {
  return connections.filter((target) => {
    if (target.startsWith('unix:')) return false;
    return !loopback.has(target.slice(0, target.lastIndexOf(':')).replace(/^\[|\]$/g, ''));
  });
}

export function secretSource(values: Record<string, string>): SecretSource {
  return { get: async (_account, key) => values[key] };
}

export interface AzureTestContext {
  standIn: AzureStandIn;
  provider: AzureProvider;
  account: CloudAccount;
}

/** A provider for the stand-in, signed in with its client secret; `settings` adds to or overrides the defaults; a null secret leaves the standard chain. */
export function providerFor(
  standIn: AzureStandIn,
  settings: Record<string, unknown> = {},
  secret: string | null = standIn.clientSecret,
): AzureProvider {
  const account: CloudAccount = {
    id: 'azure-test',
    provider: 'azure',
    settings: {
      subscriptionId: standIn.subscriptionId,
      tenantId: standIn.tenantId,
      clientId: standIn.clientId,
      authorityHost: standIn.url,
      endpoint: standIn.url,
      ...settings,
    },
  };
  const parsed = azureProviderModule.parseSettings(account.settings);
  return createAzureProvider(account, parsed, secretSource(secret === null ? {} : { clientSecret: secret }), {
    ca: standIn.caPem,
    pollIntervalMs: 5,
    retryDelayInMs: 1,
  });
}

export async function startAzureTest(): Promise<AzureStandIn> {
  guardNetwork();
  const standIn = await startAzureStandIn({ pageSize: 2 });
  standIn.addVirtualMachine({ name: 'web-1', resourceGroup: 'rg-web', location: 'westeurope', tags: { env: 'prod' } });
  standIn.addVirtualMachine({ name: 'web-2', resourceGroup: 'rg-web', location: 'westeurope', powerState: 'deallocated' });
  standIn.addVirtualMachine({ name: 'db-1', resourceGroup: 'rg-data', location: 'eastus', size: 'Standard_D4s_v5' });
  standIn.addVirtualMachine({ name: 'web-3', resourceGroup: 'rg-web', location: 'westeurope' });
  standIn.addVirtualMachine({ name: 'batch-1', resourceGroup: 'rg-data', location: 'eastus', powerState: 'stopped' });
  return standIn;
}

/** Closes the file's stand-in, then checks that no test of the file tried to leave loopback. */
export async function closeAzureTest(standIn: AzureStandIn | undefined): Promise<void> {
  await standIn?.close();
  assert.deepEqual(nonLoopbackConnections(), [], 'no connection may leave loopback');
}

/** The CloudError a call rejects with (any other outcome fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<CloudError> {
  const error = await promise.then(
    () => assert.fail('expected a CloudError'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof CloudError, `expected a CloudError, got ${String(error)}`);
  return error;
}

export function vmId(standIn: AzureStandIn, group: string, name: string): string {
  return `/subscriptions/${standIn.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
}
