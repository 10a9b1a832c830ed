// The Lab Topology panel's live overlay: each VM's state and forwarded SSH port laid over the lab
// the language server read from the file, from what the sidebar knows of the host. No `vscode`
// import: unit-tested.
import type { TopologyLab, TopologyVmState } from '@vlm/schemas';
import type { HostSnapshot } from '../host-snapshot';

function validPort(port: number | undefined): port is number {
  return port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** The lab with each VM's state from its host: running, stopped..., notDeployed, or hostUnreachable. */
export function overlayHostState(lab: TopologyLab, snapshots: readonly HostSnapshot[]): TopologyLab {
  const snapshot = snapshots.find((candidate) => candidate.host.name === lab.host);
  const connected = snapshot?.state.status === 'connected';
  const deployed = connected ? snapshot.labs.find((candidate) => candidate.name !== '' && candidate.name === lab.lab) : undefined;
  return {
    ...lab,
    hostConnected: connected,
    vms: lab.vms.map((vm) => {
      if (!connected) return { ...vm, state: 'hostUnreachable' as TopologyVmState };
      const live = deployed?.vms.find((candidate) => candidate.name === vm.name);
      if (!live) return { ...vm, state: 'notDeployed' as TopologyVmState };
      // The host's port is the one it forwards: the file may leave it for the host to choose.
      return { ...vm, state: live.status, ...(validPort(live.sshPort) ? { sshPort: live.sshPort } : {}) };
    }),
  };
}
