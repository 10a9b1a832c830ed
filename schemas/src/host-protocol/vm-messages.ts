// Messages about single VMs: list, power, delete, VNC credentials and snapshots.
import { request } from './message-types';
import type { SnapshotCreateParams, SnapshotParams, SnapshotSummary, VmDeleteParams, VmListParams, VmParams, VmSummary } from './shapes';

export namespace VmsListRequest {
  export const method = 'vlm/vms/list' as const;
  export const type = request<VmListParams, { vms: VmSummary[] }>(method);
}
export namespace VmsStartRequest {
  export const method = 'vlm/vms/start' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Asks the guest to power off (ACPI) and returns without waiting; watch vm-state events. */
export namespace VmsStopRequest {
  export const method = 'vlm/vms/stop' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Pulls the plug. */
export namespace VmsForceStopRequest {
  export const method = 'vlm/vms/forceStop' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/**
 * Removes a VM that belongs to no recorded lab: force-stops it if it runs, then undefines it with
 * its snapshots. Its disk files are kept. A lab's VM is refused: change the lab file or destroy the lab.
 * A domain this host did not make is refused unless `confirmForeign` repeats its exact name.
 */
export namespace VmsDeleteRequest {
  export const method = 'vlm/vms/delete' as const;
  export const type = request<VmDeleteParams, { deleted: string; keptDisks: string[] }>(method);
}
export namespace VmsRebootRequest {
  export const method = 'vlm/vms/reboot' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Lets a paused VM run again; a VM that is not paused is refused. */
export namespace VmsResumeRequest {
  export const method = 'vlm/vms/resume' as const;
  export const type = request<VmParams, VmSummary>(method);
}
/** Where and how to reach a VM's VNC display: loopback only, with the password vlm-host made for it. */
export interface VncCredentials {
  /** Always 127.0.0.1: reach it from elsewhere through an SSH tunnel. */
  host: '127.0.0.1';
  port: number;
  /** VNC authentication's password (8 letters or digits); whoever may use this host API may have it. */
  password: string;
}
/**
 * The VNC display of a VM that vlm-host deployed. Each such VM has its own generated password
 * (the display refuses connections without it); it is kept on the host, readable by the service
 * only, and given out by this request alone.
 */
export namespace VmsVncCredentialsRequest {
  export const method = 'vlm/vms/vncCredentials' as const;
  export const type = request<VmParams, VncCredentials>(method);
}

export namespace SnapshotsCreateRequest {
  export const method = 'vlm/snapshots/create' as const;
  export const type = request<SnapshotCreateParams, SnapshotSummary>(method);
}
export namespace SnapshotsListRequest {
  export const method = 'vlm/snapshots/list' as const;
  export const type = request<VmParams, { snapshots: SnapshotSummary[] }>(method);
}
export namespace SnapshotsRevertRequest {
  export const method = 'vlm/snapshots/revert' as const;
  export const type = request<SnapshotParams, VmSummary>(method);
}
export namespace SnapshotsDeleteRequest {
  export const method = 'vlm/snapshots/delete' as const;
  export const type = request<SnapshotParams, { deleted: string }>(method);
}
