// EC2's instance records turned into the tree's rows. EC2's answers are untrusted: an instance id
// that does not look like one is refused before it reaches a console URL or a later request.
import type { Instance, Reservation } from '@aws-sdk/client-ec2';
import { CloudError } from '../cloud-errors.js';
import type { CloudInstance, InstanceState, PowerAction } from '../cloud-provider.js';

const instanceIdPattern = /^i-[0-9a-f]{8,17}$/;

const states: Record<string, InstanceState> = {
  pending: 'pending',
  running: 'running',
  'shutting-down': 'terminating',
  terminated: 'terminated',
  stopping: 'stopping',
  stopped: 'stopped',
};

/** What EC2 accepts in each state (forceStop also frees an instance stuck in stopping). */
const actionsByState: Record<InstanceState, PowerAction[]> = {
  pending: ['delete'],
  running: ['stop', 'forceStop', 'reboot', 'delete'],
  stopping: ['forceStop', 'delete'],
  stopped: ['start', 'delete'],
  rebooting: [],
  suspended: [],
  terminating: [],
  terminated: [],
  unknown: [],
};

export function consoleUrl(region: string, id: string): string {
  return `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#InstanceDetails:instanceId=${encodeURIComponent(id)}`;
}

/** One row; EC2 tells no price in DescribeInstances, so `pricePerHour` stays unset. */
export function toCloudInstance(instance: Instance, accountId: string, region: string): CloudInstance {
  const id = instance.InstanceId;
  if (typeof id !== 'string' || !instanceIdPattern.test(id)) {
    throw new CloudError('malformed', 'aws', `EC2 listed an instance without a valid id in ${region}`, {
      hint: 'The endpoint may not be EC2: check the account endpoint.',
    });
  }
  const providerState = instance.State?.Name ?? 'unknown';
  const state = states[providerState] ?? 'unknown';
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (typeof tag.Key === 'string') tags[tag.Key] = tag.Value ?? '';
  const launched = instance.LaunchTime instanceof Date && !Number.isNaN(instance.LaunchTime.getTime()) ? instance.LaunchTime : undefined;
  return {
    provider: 'aws',
    accountId,
    location: region,
    id,
    name: tags.Name || id,
    state,
    providerState,
    ...(instance.InstanceType ? { size: instance.InstanceType } : {}),
    ...(instance.PublicIpAddress ? { publicAddress: instance.PublicIpAddress } : {}),
    ...(instance.PrivateIpAddress ? { privateAddress: instance.PrivateIpAddress } : {}),
    // LaunchTime is when it last started; it only means uptime while the instance runs.
    ...(launched && (state === 'running' || state === 'pending') ? { startedAt: launched.toISOString() } : {}),
    tags,
    consoleUrl: consoleUrl(region, id),
    actions: actionsByState[state],
  };
}

export function instancesOf(reservations: Reservation[] | undefined, accountId: string, region: string): CloudInstance[] {
  return (reservations ?? []).flatMap((reservation) =>
    (reservation.Instances ?? []).map((instance) => toCloudInstance(instance, accountId, region)),
  );
}
