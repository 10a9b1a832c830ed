// What the extension knows of each host: its connection state and what the sidebar shows of its
// labs and VMs. No `vscode` import: unit-tested.
import type { LabSnapshotSummary } from '@vlm/schemas/src/host-protocol';
import type { HostDefinition } from './host-configuration';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

/** The state of the extension's connection to a host (not the host's persisted state). */
export interface HostConnectionState {
  status: ConnectionStatus;
  /** Why the host is not connected, in words a user can act on. */
  reason?: string;
  /** Not tried yet: it connects as soon as the view shows it, so it reads as connecting there. */
  untried?: boolean;
  /** What a connected host's service said about it, one line each. */
  details?: string[];
  /** True when the host runs libvirt's test driver: its VMs are simulated. */
  simulated?: boolean;
  /** Which libvirt a connected host drives, when its service says (system, session or test). */
  libvirt?: 'system' | 'session' | 'test';
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
  /** When the host's idle shutdown will ask the VM to power off if it stays idle (ISO time). */
  idleShutdownAt?: string;
}

export interface LabSnapshot {
  /** '' holds the VMs that belong to no lab. */
  name: string;
  status?: 'pending' | 'deploying' | 'running' | 'failed';
  tags: string[];
  description?: string;
  vms: VmSnapshot[];
  /** The lab's lab-wide snapshots (one named snapshot of every VM), oldest first. */
  labSnapshots?: LabSnapshotSummary[];
  /** A lab snapshot operation this window started and is waiting for. */
  activity?: LabActivity;
}

export type LabActivity = 'snapshotting' | 'reverting' | 'deleting a snapshot';

/** Everything the sidebar shows of one host. */
export interface HostSnapshot {
  host: HostDefinition;
  state: HostConnectionState;
  labs: LabSnapshot[];
}
