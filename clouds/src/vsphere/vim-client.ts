// vim25 calls the provider needs, typed: the service content, a session, the property collector
// (with paging) over container views, VM power tasks and task state. Every managed object
// reference is checked against its type's form before it is put into a request.
import { CloudError } from '../cloud-errors.js';
import { type SoapClient, faultError } from './soap-client.js';
import { childOf, childrenOf, element, type XmlElement, type XmlOut, xsiType } from './soap-xml.js';

export type MorefType =
  | 'VirtualMachine'
  | 'Datacenter'
  | 'Task'
  | 'ContainerView'
  | 'HostSystem'
  | 'ClusterComputeResource'
  | 'ComputeResource'
  | 'Folder';

// The forms vCenter (and the simulator) give these references.
const morefForms: Record<MorefType, RegExp> = {
  VirtualMachine: /^vm-\d{1,12}$/,
  Datacenter: /^datacenter-\d{1,12}$/,
  Task: /^task-\d{1,12}$/,
  ContainerView: /^session\[[0-9a-fA-F-]{1,64}\][0-9a-fA-F-]{1,64}$/,
  HostSystem: /^host-\d{1,12}$/,
  ClusterComputeResource: /^domain-c\d{1,12}$|^clustercomputeresource-\d{1,12}$/,
  ComputeResource: /^domain-s\d{1,12}$|^computeresource-\d{1,12}$/,
  Folder: /^group-[a-z]\d{1,12}$/,
};

const morefExamples: Record<MorefType, string> = {
  VirtualMachine: 'vm-42',
  Datacenter: 'datacenter-2',
  Task: 'task-17',
  ContainerView: 'session[…]…',
  HostSystem: 'host-21',
  ClusterComputeResource: 'domain-c7',
  ComputeResource: 'domain-s9',
  Folder: 'group-d1',
};

export interface Moref {
  type: MorefType;
  value: string;
}

/** Checks a reference before it reaches XML; `field` names it in the error. */
export function checkMoref(type: MorefType, value: unknown, field: string): Moref {
  if (typeof value !== 'string' || !morefForms[type].test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
    throw new CloudError('invalidInput', 'vsphere', `${field} ${shown} is not a vSphere ${type} reference`, {
      hint: `A ${type} reference looks like ${morefExamples[type]}; take it from the list.`,
    });
  }
  return { type, value };
}

function morefOut(name: string, ref: { type: string; value: string }): XmlOut {
  return element(name, ref.value, { type: ref.type });
}

export interface ServiceContent {
  rootFolder: Moref;
  propertyCollector: string;
  viewManager: string;
  sessionManager: string;
  /** vCenter's own UUID, part of its web client's links. */
  instanceUuid: string;
  apiVersion: string;
}

/** One object from the property collector: its reference and the properties asked for. */
export interface ObjectContent {
  ref: { type: string; value: string };
  properties: Map<string, XmlElement>;
}

export interface TaskInfo {
  state: 'queued' | 'running' | 'success' | 'error';
  error?: CloudError;
}

function required(parent: XmlElement | undefined, name: string, what: string): XmlElement {
  const node = childOf(parent, name);
  if (!node) throw new CloudError('malformed', 'vsphere', `${what} has no ${name}`);
  return node;
}

export class VimClient {
  private content: ServiceContent | undefined;

  constructor(readonly soap: SoapClient) {}

  get serviceContent(): ServiceContent {
    if (!this.content) throw new Error('RetrieveServiceContent was not called');
    return this.content;
  }

  async retrieveServiceContent(signal?: AbortSignal): Promise<ServiceContent> {
    const answer = await this.soap.call(
      'RetrieveServiceContent',
      [morefOut('_this', { type: 'ServiceInstance', value: 'ServiceInstance' })],
      signal,
    );
    const about = required(answer, 'about', 'The service content');
    const text = (name: string) => required(answer, name, 'The service content').text;
    this.content = {
      rootFolder: checkMoref('Folder', text('rootFolder'), 'rootFolder'),
      propertyCollector: text('propertyCollector'),
      viewManager: text('viewManager'),
      sessionManager: text('sessionManager'),
      instanceUuid: childOf(about, 'instanceUuid')?.text ?? '',
      apiVersion: childOf(about, 'apiVersion')?.text ?? '',
    };
    return this.content;
  }

  async login(userName: string, password: string, signal?: AbortSignal): Promise<void> {
    const manager = { type: 'SessionManager', value: this.serviceContent.sessionManager };
    await this.soap.call('Login', [morefOut('_this', manager), element('userName', userName), element('password', password)], signal);
  }

  async logout(signal?: AbortSignal): Promise<void> {
    const manager = { type: 'SessionManager', value: this.serviceContent.sessionManager };
    await this.soap.call('Logout', [morefOut('_this', manager)], signal);
  }

  async createContainerView(container: Moref, types: string[], signal?: AbortSignal): Promise<Moref> {
    const manager = { type: 'ViewManager', value: this.serviceContent.viewManager };
    const answer = await this.soap.call(
      'CreateContainerView',
      [
        morefOut('_this', manager),
        morefOut('container', container),
        ...types.map((type) => element('type', type)),
        element('recursive', 'true'),
      ],
      signal,
    );
    return checkMoref('ContainerView', answer.text, 'The container view vCenter returned');
  }

  async destroyView(view: Moref, signal?: AbortSignal): Promise<void> {
    await this.soap.call('DestroyView', [morefOut('_this', view)], signal);
  }

  /** One page of the objects in a container view, with the given properties per type. */
  async retrieveFromView(
    view: Moref,
    propertiesByType: Record<string, string[]>,
    maxObjects: number,
    signal?: AbortSignal,
  ): Promise<{ objects: ObjectContent[]; token?: string }> {
    const propSets = Object.entries(propertiesByType).map(([type, paths]) =>
      element('propSet', [element('type', type), ...paths.map((path) => element('pathSet', path))]),
    );
    const traversal = element(
      'selectSet',
      [element('name', 'traverseView'), element('type', 'ContainerView'), element('path', 'view'), element('skip', 'false')],
      { 'xsi:type': 'TraversalSpec' },
    );
    const objectSet = element('objectSet', [morefOut('obj', view), element('skip', 'true'), traversal]);
    return this.retrieve([element('specSet', [...propSets, objectSet])], maxObjects, signal);
  }

  /** Every page of a view, for small sets (datacenters, hosts) that a caller needs whole. */
  async retrieveAllFromView(view: Moref, propertiesByType: Record<string, string[]>, signal?: AbortSignal): Promise<ObjectContent[]> {
    let page = await this.retrieveFromView(view, propertiesByType, 1000, signal);
    const objects = [...page.objects];
    while (page.token) {
      page = await this.continueRetrieve(page.token, signal);
      objects.push(...page.objects);
    }
    return objects;
  }

  /** Properties of single objects, by reference. */
  async retrieveObjects(
    refs: { type: string; value: string }[],
    type: string,
    paths: string[],
    signal?: AbortSignal,
  ): Promise<ObjectContent[]> {
    const propSet = element('propSet', [element('type', type), ...paths.map((path) => element('pathSet', path))]);
    const objectSets = refs.map((ref) => element('objectSet', [morefOut('obj', ref), element('skip', 'false')]));
    const { objects } = await this.retrieve([element('specSet', [propSet, ...objectSets])], 1000, signal);
    return objects;
  }

  private async retrieve(
    specSet: XmlOut[],
    maxObjects: number,
    signal?: AbortSignal,
  ): Promise<{ objects: ObjectContent[]; token?: string }> {
    const collector = { type: 'PropertyCollector', value: this.serviceContent.propertyCollector };
    const options = element('options', [element('maxObjects', String(maxObjects))]);
    const answer = await this.soap.call('RetrievePropertiesEx', [morefOut('_this', collector), ...specSet, options], signal);
    return readResult(answer);
  }

  /** The next page after a RetrievePropertiesEx token. */
  async continueRetrieve(token: string, signal?: AbortSignal): Promise<{ objects: ObjectContent[]; token?: string }> {
    const collector = { type: 'PropertyCollector', value: this.serviceContent.propertyCollector };
    const answer = await this.soap.call('ContinueRetrievePropertiesEx', [morefOut('_this', collector), element('token', token)], signal);
    return readResult(answer);
  }

  /** Starts a VM task (PowerOnVM_Task, PowerOffVM_Task, ResetVM_Task, Destroy_Task); returns the task. */
  async startTask(method: string, vm: Moref, signal?: AbortSignal): Promise<Moref> {
    const answer = await this.soap.call(method, [morefOut('_this', vm)], signal);
    return checkMoref('Task', answer.text, `The task vCenter returned for ${method}`);
  }

  /** A call without a task, such as ShutdownGuest. */
  async callOnVm(method: string, vm: Moref, signal?: AbortSignal): Promise<void> {
    await this.soap.call(method, [morefOut('_this', vm)], signal);
  }

  async taskInfo(task: Moref, signal?: AbortSignal): Promise<TaskInfo> {
    const [object] = await this.retrieveObjects([task], 'Task', ['info.state', 'info.error'], signal);
    const state = object?.properties.get('info.state')?.text;
    if (state !== 'queued' && state !== 'running' && state !== 'success' && state !== 'error') {
      throw new CloudError('malformed', 'vsphere', `Task ${task.value} has no known state (${state ?? 'none'})`);
    }
    const error = object?.properties.get('info.error');
    if (state !== 'error') return { state };
    const fault = childOf(error, 'fault');
    const type = xsiType(fault) ?? 'TaskFailed';
    const message = childOf(error, 'localizedMessage')?.text ?? '';
    // The simulator puts the Go type name in localizedMessage; a vCenter puts a sentence there.
    const sentence = message.startsWith('*types.') ? '' : message;
    return { state, error: faultError(type, sentence || `The task ended with ${type}`, fault) };
  }
}

function readResult(answer: XmlElement): { objects: ObjectContent[]; token?: string } {
  const objects = childrenOf(answer, 'objects').map((object) => {
    const obj = required(object, 'obj', 'An object from the property collector');
    const properties = new Map<string, XmlElement>();
    for (const prop of childrenOf(object, 'propSet')) {
      const name = childOf(prop, 'name')?.text;
      const val = childOf(prop, 'val');
      if (name && val) properties.set(name, val);
    }
    return { ref: { type: obj.attributes.type ?? '', value: obj.text }, properties };
  });
  const token = childOf(answer, 'token')?.text;
  return { objects, token: token || undefined };
}
