// The stand-in's instances: seeded by a test, kept per region, moved through EC2's state machine
// (pending → running, stopping → stopped, shutting-down → terminated) one step per DescribeInstances
// that shows them, so tests follow transitions without sleeping. XML in the service's own shapes.

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's numeric state codes, as its answers carry them. */
export const stateCodes: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const settledAfter: Partial<Record<Ec2StateName, Ec2StateName>> = {
  pending: 'running',
  stopping: 'stopped',
  'shutting-down': 'terminated',
};

export interface Ec2Instance {
  id: string;
  region: string;
  type: string;
  state: Ec2StateName;
  tags: Record<string, string>;
  launchTime: string;
  privateIp: string;
  publicIp?: string;
  /** DescribeInstances answers still to show the transitional state before it settles. */
  describesLeft: number;
  /** Set by StopInstances with Force=true, so tests can see the flag reached the service. */
  forcedStop?: boolean;
  /** How many RebootInstances calls it received (a reboot leaves it `running`). */
  reboots: number;
}

export interface Ec2Seed {
  /** Enabled regions, as DescribeRegions answers them. */
  regions?: string[];
  /** How many instances, spread round-robin over the regions. */
  count?: number;
  /** Instance types, given in turn. */
  types?: string[];
  /** Initial states, given in turn. */
  states?: Ec2StateName[];
  /** Tags on every instance; each also gets `Name=vm-<n>` unless given here. */
  tags?: Record<string, string>;
  /** DescribeInstances answers that show a transitional state before it settles (default 2). */
  describesPerTransition?: number;
}

export const defaultRegions = ['us-east-1', 'eu-west-1'];

function instanceId(index: number): string {
  return `i-0${index.toString(16).padStart(16, '0')}`;
}

function publicIp(index: number, generation: number): string {
  return `203.0.${(113 + generation) % 256}.${(index % 250) + 1}`;
}

export function seedInstances(seed: Ec2Seed): Ec2Instance[] {
  const regions = seed.regions ?? defaultRegions;
  const types = seed.types ?? ['t3.micro', 'm5.large'];
  const states = seed.states ?? ['running', 'stopped'];
  const instances: Ec2Instance[] = [];
  for (let index = 0; index < (seed.count ?? 4); index++) {
    const state = states[index % states.length] ?? 'running';
    instances.push({
      id: instanceId(index + 1),
      region: regions[index % regions.length] ?? 'us-east-1',
      type: types[index % types.length] ?? 't3.micro',
      state,
      tags: { Name: `vm-${index + 1}`, ...seed.tags },
      launchTime: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      privateIp: `10.${Math.floor(index / 65_536) % 256}.${Math.floor(index / 256) % 256}.${index % 256}`,
      ...(state === 'running' ? { publicIp: publicIp(index, 0) } : {}),
      describesLeft: 0,
      reboots: 0,
    });
  }
  return instances;
}

/** Moves an instance one step along a transition it is in; called for each DescribeInstances that shows it. */
export function advance(instance: Ec2Instance): void {
  const next = settledAfter[instance.state];
  if (!next) return;
  instance.describesLeft -= 1;
  if (instance.describesLeft > 0) return;
  instance.state = next;
  if (next !== 'running') delete instance.publicIp;
}

export class StateChangeRefused extends Error {}

/** What an action does to an instance's state, or why EC2 would refuse it. */
export function changeState(
  instance: Ec2Instance,
  action: 'start' | 'stop' | 'terminate',
  steps: number,
  now: Date,
): { previous: Ec2StateName; current: Ec2StateName } {
  const previous = instance.state;
  const set = (state: Ec2StateName) => {
    instance.state = state;
    instance.describesLeft = steps;
  };
  if (action === 'terminate') {
    if (previous !== 'terminated' && previous !== 'shutting-down') set('shutting-down');
  } else if (action === 'start') {
    if (previous === 'stopped') {
      set('pending');
      instance.launchTime = now.toISOString().replace(/\.\d{3}Z$/, '.000Z');
      instance.publicIp = publicIp(Number.parseInt(instance.id.slice(2), 16), 1);
    } else if (previous !== 'running' && previous !== 'pending') {
      throw new StateChangeRefused(`The instance '${instance.id}' is not in a state from which it can be started.`);
    }
  } else if (previous === 'running') {
    set('stopping');
  } else if (previous !== 'stopped' && previous !== 'stopping') {
    throw new StateChangeRefused(`The instance '${instance.id}' is not in a state from which it can be stopped.`);
  }
  return { previous, current: instance.state };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function stateXml(element: string, state: Ec2StateName): string {
  return `<${element}><code>${stateCodes[state]}</code><name>${state}</name></${element}>`;
}

function tagSetXml(tags: Record<string, string>): string {
  const items = Object.entries(tags).map(([key, value]) => `<item><key>${escapeXml(key)}</key><value>${escapeXml(value)}</value></item>`);
  return items.length === 0 ? '' : `<tagSet>${items.join('')}</tagSet>`;
}

/** One reservation holding one instance, in DescribeInstances' shape. */
export function reservationXml(instance: Ec2Instance, ownerId: string): string {
  const zone = `${instance.region}a`;
  const publicParts = instance.publicIp
    ? `<dnsName>ec2-${instance.publicIp.replaceAll('.', '-')}.compute-1.amazonaws.com</dnsName><ipAddress>${instance.publicIp}</ipAddress>`
    : '<dnsName/>';
  const stopped =
    instance.state === 'stopped'
      ? '<stateReason><code>Client.UserInitiatedShutdown</code><message>Client.UserInitiatedShutdown: User initiated shutdown</message></stateReason>'
      : '';
  return (
    `<item><reservationId>r-${instance.id.slice(2)}</reservationId><ownerId>${ownerId}</ownerId><groupSet/><instancesSet><item>` +
    `<instanceId>${instance.id}</instanceId><imageId>ami-0abcdef1234567890</imageId>${stateXml('instanceState', instance.state)}` +
    `<privateDnsName>ip-${instance.privateIp.replaceAll('.', '-')}.ec2.internal</privateDnsName>${publicParts}` +
    `<amiLaunchIndex>0</amiLaunchIndex><productCodes/><instanceType>${escapeXml(instance.type)}</instanceType>` +
    `<launchTime>${instance.launchTime}</launchTime><placement><availabilityZone>${zone}</availabilityZone><groupName/>` +
    `<tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring>` +
    `<privateIpAddress>${instance.privateIp}</privateIpAddress>${stopped}<architecture>x86_64</architecture>` +
    `<rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>${tagSetXml(instance.tags)}` +
    `<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor></item></instancesSet></item>`
  );
}
