// What the extension knows of each host, and the probe that finds out whether its service
// answers. No `vscode` import: unit-tested.
import { connect, type Socket } from 'node:net';
import type { HostDefinition } from './host-configuration';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface HostState {
  status: ConnectionStatus;
  /** Why the host is not connected, in words a user can act on. */
  reason?: string;
  /** What a connected host's service said about it, one line each. */
  details?: string[];
  /** True when the host runs libvirt's test driver: its VMs are simulated. */
  simulated?: boolean;
}

export type VmStatus = 'running' | 'stopped' | 'paused' | 'starting' | 'stopping' | 'crashed' | 'unknown';

export interface VmSnapshot {
  /** The VM's name in its lab (or the libvirt name for VMs of no lab). */
  name: string;
  /** The libvirt domain name: what VM requests to the host take. */
  domain?: string;
  status: VmStatus;
  tags: string[];
  description?: string;
  /** Tooltip lines. */
  details?: string[];
  /** The loopback port forwarded to the guest's SSH, when known. */
  sshPort?: number;
}

export interface LabSnapshot {
  /** '' holds the VMs that belong to no lab. */
  name: string;
  status?: 'pending' | 'deploying' | 'running' | 'failed';
  tags: string[];
  description?: string;
  vms: VmSnapshot[];
}

/** Everything the sidebar shows of one host. */
export interface HostSnapshot {
  host: HostDefinition;
  state: HostState;
  labs: LabSnapshot[];
}

/** Opens a connection to a host service's Unix socket; rejects with a reason a user can act on. */
export function openHostSocket(path: string, timeoutMs = 2000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`The host service at ${path} did not answer within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(socketFailureReason(path, error)));
    });
  });
}

export function socketFailureReason(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `The host service is not running: there is no socket at ${path}.`;
    case 'ECONNREFUSED':
      return `The host service is not running: nothing listens on ${path}.`;
    case 'EACCES':
      return `You may not use the host service's socket at ${path}: check its permissions.`;
    default:
      return `Could not reach the host service at ${path}: ${error.message}`;
  }
}
