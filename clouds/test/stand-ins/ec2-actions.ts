// The EC2 actions the stand-in answers, each checking its parameters as the service does
// (unknown parameters, malformed or missing instance ids, paging limits, state rules) and
// answering in the 2016-11-15 XML shapes.
import {
  advance,
  changeState,
  type Ec2Instance,
  type Ec2StateName,
  reservationXml,
  StateChangeRefused,
  stateXml,
} from './ec2-instances.js';

export const apiVersion = '2016-11-15';
const namespace = `http://ec2.amazonaws.com/doc/${apiVersion}/`;

export interface Ec2Call {
  action: string;
  region: string;
  parameters: Record<string, string>;
}

export interface Ec2State {
  instances: Ec2Instance[];
  steps: number;
  ownerId: string;
  regions: string[];
}

/** An error answer: HTTP status, EC2 error code, message. */
export class Ec2Fault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parameter names each action takes, with list indexes written as N. */
const allowedParameters: Record<string, readonly string[]> = {
  DescribeRegions: ['AllRegions', 'RegionName.N', 'Filter.N.Name', 'Filter.N.Value.N', 'DryRun'],
  DescribeInstances: ['InstanceId.N', 'Filter.N.Name', 'Filter.N.Value.N', 'MaxResults', 'NextToken', 'DryRun'],
  StartInstances: ['InstanceId.N', 'AdditionalInfo', 'DryRun'],
  StopInstances: ['InstanceId.N', 'Force', 'Hibernate', 'SkipOsShutdown', 'DryRun'],
  RebootInstances: ['InstanceId.N', 'DryRun'],
  TerminateInstances: ['InstanceId.N', 'Force', 'SkipOsShutdown', 'DryRun'],
};

const instanceIdPattern = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

function checkParameters(action: string, parameters: URLSearchParams): void {
  const allowed = allowedParameters[action];
  if (!allowed) throw new Ec2Fault(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  if (parameters.get('Version') !== apiVersion) {
    throw new Ec2Fault(400, 'InvalidParameterValue', `Invalid API version: ${parameters.get('Version') ?? '(none)'}`);
  }
  for (const name of parameters.keys()) {
    if (name === 'Action' || name === 'Version') continue;
    if (!allowed.includes(name.replace(/\.\d+/g, '.N')))
      throw new Ec2Fault(400, 'UnknownParameter', `The parameter ${name} is not recognized`);
  }
  if (parameters.get('DryRun') === 'true') {
    throw new Ec2Fault(412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
  }
}

function listParameter(parameters: URLSearchParams, prefix: string): string[] {
  const entries = [...parameters].filter(([name]) => new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.\\d+$`).test(name));
  return entries.sort(([a], [b]) => Number(a.slice(prefix.length + 1)) - Number(b.slice(prefix.length + 1))).map(([, value]) => value);
}

/** The named instances in this region; refuses malformed ids and ones that do not exist, as EC2 does. */
function findInstances(state: Ec2State, region: string, ids: string[], required: boolean): Ec2Instance[] {
  if (required && ids.length === 0) throw new Ec2Fault(400, 'MissingParameter', 'The request must contain the parameter InstanceId');
  const malformed = ids.find((id) => !instanceIdPattern.test(id));
  if (malformed !== undefined) throw new Ec2Fault(400, 'InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const found = ids.map((id) => state.instances.find((instance) => instance.id === id && instance.region === region));
  const missing = ids.filter((_, index) => found[index] === undefined);
  if (missing.length === 1) throw new Ec2Fault(400, 'InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new Ec2Fault(400, 'InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  return found as Ec2Instance[];
}

function matchesFilters(instance: Ec2Instance, filters: { name: string; values: string[] }[]): boolean {
  return filters.every(({ name, values }) => {
    if (name === 'instance-id') return values.includes(instance.id);
    if (name === 'instance-state-name') return values.includes(instance.state);
    if (name === 'instance-type') return values.includes(instance.type);
    if (name.startsWith('tag:')) {
      const value = instance.tags[name.slice(4)];
      return value !== undefined && values.includes(value);
    }
    throw new Ec2Fault(400, 'InvalidParameterValue', `The filter '${name}' is invalid`);
  });
}

function readFilters(parameters: URLSearchParams): { name: string; values: string[] }[] {
  const names: { name: string; values: string[] }[] = [];
  for (const [key, value] of parameters) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (match) names.push({ name: value, values: listParameter(parameters, `Filter.${match[1]}.Value`) });
  }
  return names;
}

function describeInstances(state: Ec2State, parameters: URLSearchParams, region: string): string {
  const ids = listParameter(parameters, 'InstanceId');
  const maxResultsText = parameters.get('MaxResults');
  if (maxResultsText !== null && ids.length > 0) {
    throw new Ec2Fault(400, 'InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const maxResults = maxResultsText === null ? 1000 : Number(maxResultsText);
  if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
    throw new Ec2Fault(
      400,
      'InvalidParameterValue',
      `Value ( ${maxResultsText} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  const named =
    ids.length > 0 ? findInstances(state, region, ids, false) : state.instances.filter((instance) => instance.region === region);
  const filters = readFilters(parameters);
  const matching = named.filter((instance) => matchesFilters(instance, filters));
  const token = parameters.get('NextToken');
  let offset = 0;
  if (token !== null) {
    const decoded = /^(\d+)@([a-z0-9-]+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded || decoded[2] !== region) throw new Ec2Fault(400, 'InvalidParameterValue', 'The specified NextToken is not valid.');
    offset = Number(decoded[1]);
  }
  const page = matching.slice(offset, offset + maxResults);
  for (const instance of page) advance(instance);
  const nextOffset = offset + page.length;
  const next = nextOffset < matching.length ? `<nextToken>${Buffer.from(`${nextOffset}@${region}`).toString('base64url')}</nextToken>` : '';
  const reservations = page.map((instance) => reservationXml(instance, state.ownerId)).join('');
  return `<reservationSet>${reservations}</reservationSet>${next}`;
}

function describeRegions(state: Ec2State): string {
  const items = state.regions.map(
    (region) =>
      `<item><regionName>${region}</regionName><regionEndpoint>ec2.${region}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`,
  );
  return `<regionInfo>${items.join('')}</regionInfo>`;
}

function changeStates(state: Ec2State, parameters: URLSearchParams, region: string, action: 'start' | 'stop' | 'terminate'): string {
  const instances = findInstances(state, region, listParameter(parameters, 'InstanceId'), true);
  const force = parameters.get('Force') === 'true';
  const steps = action === 'stop' && force ? 1 : state.steps;
  const before = instances.map((instance) => ({ ...instance }));
  const changes: { id: string; previous: Ec2StateName; current: Ec2StateName }[] = [];
  try {
    for (const instance of instances) changes.push({ id: instance.id, ...changeState(instance, action, steps, new Date()) });
  } catch (error) {
    // EC2 changes all the named instances or none.
    for (const [index, instance] of instances.entries()) Object.assign(instance, before[index]);
    if (error instanceof StateChangeRefused) throw new Ec2Fault(400, 'IncorrectInstanceState', error.message);
    throw error;
  }
  if (action === 'stop') for (const instance of instances) instance.forcedStop = force;
  const items = changes.map(
    (change) =>
      `<item><instanceId>${change.id}</instanceId>${stateXml('currentState', change.current)}${stateXml('previousState', change.previous)}</item>`,
  );
  return `<instancesSet>${items.join('')}</instancesSet>`;
}

function reboot(state: Ec2State, parameters: URLSearchParams, region: string): string {
  const instances = findInstances(state, region, listParameter(parameters, 'InstanceId'), true);
  const notRunning = instances.find((instance) => instance.state === 'terminated' || instance.state === 'shutting-down');
  if (notRunning)
    throw new Ec2Fault(400, 'IncorrectInstanceState', `The instance '${notRunning.id}' is not in a state from which it can be rebooted.`);
  for (const instance of instances) instance.reboots += 1;
  return '<return>true</return>';
}

/** The whole XML answer to one action, or an Ec2Fault. */
export function answerAction(state: Ec2State, action: string, parameters: URLSearchParams, region: string, requestId: string): string {
  checkParameters(action, parameters);
  let content: string;
  if (action === 'DescribeRegions') content = describeRegions(state);
  else if (action === 'DescribeInstances') content = describeInstances(state, parameters, region);
  else if (action === 'StartInstances') content = changeStates(state, parameters, region, 'start');
  else if (action === 'StopInstances') content = changeStates(state, parameters, region, 'stop');
  else if (action === 'TerminateInstances') content = changeStates(state, parameters, region, 'terminate');
  else content = reboot(state, parameters, region);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}"><requestId>${requestId}</requestId>${content}</${action}Response>`;
}
