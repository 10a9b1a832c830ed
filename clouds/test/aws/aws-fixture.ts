// What every AWS test file shares: the EC2 stand-in, a provider built the way the registry builds
// it, credential files in a temporary folder (never the user's ~/.aws), and a guard that refuses
// any connection that would leave loopback (IMDS, STS, a real EC2 endpoint).
import { rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { CloudAccount, SecretSource } from '../../src/cloud-provider.js';
import { type AwsProvider, type AwsTuning, awsProviderModule, createAwsProvider } from '../../src/aws/aws-provider.js';
import {
  type Ec2StandIn,
  type Ec2StandInOptions,
  type StandInCredential,
  standInCredentials,
  startEc2StandIn,
} from '../stand-ins/ec2-server.js';
import { isolateAwsEnvironment } from './aws-environment.js';

export const fastFollow: AwsTuning = { waiter: { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 20 } };

/** Hosts a test connected to that were not loopback; the guard refuses them, this proves none were tried. */
export const refusedHosts: string[] = [];

const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function guardLoopback(): void {
  const connect = Socket.prototype.connect as (...parameters: unknown[]) => Socket;
  Socket.prototype.connect = function guardedConnect(this: Socket, ...parameters: unknown[]) {
    const first = parameters[0];
    const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number;
    const host = typeof options === 'object' ? options.host : (parameters[1] as string | undefined);
    const isPipe = typeof options === 'object' && options.path !== undefined;
    if (!isPipe && !loopback.test(host ?? 'localhost')) {
      refusedHosts.push(String(host));
      throw new Error(`test network guard: refused a connection to ${host}`);
    }
    return connect.apply(this, parameters) as Socket;
  } as typeof Socket.prototype.connect;
}

export interface AwsWorld {
  standIn: Ec2StandIn;
  folder: string;
  account: CloudAccount;
  providers: AwsProvider[];
  /** A provider for settings as a user writes them (checked by the module's parseSettings). */
  provider(settings?: Record<string, unknown>, secrets?: Record<string, string>, tuning?: AwsTuning): AwsProvider;
  /** Writes a profile into the temporary shared credentials file. */
  writeProfile(name: string, credential: StandInCredential): Promise<void>;
  close(): Promise<void>;
}

export function secretSource(values: Record<string, string>): SecretSource {
  return { get: async (_accountId, key) => values[key] };
}

export const standInSecrets = {
  accessKeyId: standInCredentials.accessKeyId,
  secretAccessKey: standInCredentials.secretAccessKey,
};

export async function startAwsWorld(options: Ec2StandInOptions = {}): Promise<AwsWorld> {
  if (!(Socket.prototype.connect as { name?: string }).name?.startsWith('guarded')) guardLoopback();
  const folder = isolateAwsEnvironment();
  const standIn = await startEc2StandIn(options);
  const account: CloudAccount = { id: 'aws-test', provider: 'aws', settings: {} };
  const profiles: string[] = [];
  const world: AwsWorld = {
    standIn,
    folder,
    account,
    providers: [],
    provider(settings = { credentials: 'accessKey' }, secrets = standInSecrets, tuning = fastFollow) {
      const parsed = awsProviderModule.parseSettings({ endpoint: standIn.url, ...settings });
      const provider = createAwsProvider({ ...account, settings }, parsed, secretSource(secrets), tuning);
      world.providers.push(provider);
      return provider;
    },
    async writeProfile(name, credential) {
      const token = credential.sessionToken ? `aws_session_token = ${credential.sessionToken}\n` : '';
      profiles.push(
        `[${name}]\naws_access_key_id = ${credential.accessKeyId}\naws_secret_access_key = ${credential.secretAccessKey}\n${token}`,
      );
      await writeFile(join(folder, 'credentials'), profiles.join('\n'), { mode: 0o600 });
    },
    async close() {
      for (const provider of world.providers) provider.dispose();
      await standIn.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
  return world;
}
