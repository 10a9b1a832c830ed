// Which libvirt the host drives: qemu:///system, the user's own qemu:///session, or the test
// driver. libvirt-dbus does not say its URI; it opens qemu:///system on the system bus and
// qemu:///session on a session bus, and libvirt gives root's session the system daemon. So the
// bus and the uid of the process that owns org.libvirt on it decide.
import type { HostInfoResult } from '@vlm/schemas/src/host-protocol';

export type LibvirtConnectionKind = NonNullable<HostInfoResult['libvirtConnection']>;

export interface LibvirtConnectionFacts {
  driver: 'test' | 'qemu';
  /** True when libvirt-dbus was reached on the system bus. */
  onSystemBus: boolean;
  /** The uid libvirt-dbus runs as (D-Bus GetConnectionUnixUser). */
  serviceUserId: number;
}

export function libvirtConnectionKind(facts: LibvirtConnectionFacts): LibvirtConnectionKind {
  if (facts.driver === 'test') return 'test';
  if (facts.onSystemBus || facts.serviceUserId === 0) return 'system';
  return 'session';
}

/** What a lab needs that qemu:///session cannot give, as the lab problems apply reports. */
export interface SessionProblem {
  field: string;
  message: string;
}

/**
 * A lab network is a libvirt network: a bridge (and dnsmasq), which only root may create. Each
 * use is named, so the user sees which lines to change.
 */
export function sessionProblems(lab: { networks?: Array<{ name: string }>; vms: Array<{ networks?: unknown[] }> }): SessionProblem[] {
  const remedy =
    "qemu:///session (libvirt without root) cannot create the bridge a lab network needs. Remove the lab's networks (each VM still gets SSH through its loopback port forward), or use qemu:///system: run vlm-host as root with --socket-group libvirt, add yourself to the libvirt group, and set vlm.localHost.socket to /run/vlm/vlm-host.sock";
  const problems: SessionProblem[] = [];
  for (const [index, network] of (lab.networks ?? []).entries()) {
    problems.push({ field: `/lab/networks/${index}`, message: `the network "${network.name}" needs root: ${remedy}` });
  }
  for (const [index, vm] of lab.vms.entries()) {
    if ((vm.networks ?? []).length > 0) {
      problems.push({ field: `/lab/vms/${index}/networks`, message: `a lab network needs root: ${remedy}` });
    }
  }
  return problems;
}
