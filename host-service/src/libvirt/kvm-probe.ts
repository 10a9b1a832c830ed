// Whether KVM guests actually run here. /dev/kvm can exist while every KVM guest dies at start
// (e.g. nested virtualization refusing an MSR), so start a throwaway transient KVM guest with the
// CPU mode VLM uses and see whether it stays up.
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { connectInterface, domainInterface, domainStates } from './constants';
import type { DbusRequest } from './dbus-call';
import { HypervisorError } from './hypervisor';

export interface KvmProbeResult {
  works: boolean;
  /** Why not, when it does not. */
  reason: string;
}

/** How long the probe guest must stay running: the failures seen happen as the vCPU first runs. */
const survivalMs = 1500;
const checkIntervalMs = 100;

function probeDomainXml(name: string): string {
  // No disk and no devices: SeaBIOS finds nothing to boot and spins, which is enough.
  return [
    `<domain type='kvm'>`,
    `  <name>${name}</name>`,
    `  <memory unit='MiB'>32</memory>`,
    `  <vcpu>1</vcpu>`,
    `  <os><type arch='x86_64' machine='pc'>hvm</type></os>`,
    `  <cpu mode='host-passthrough'/>`,
    `  <devices><memballoon model='none'/></devices>`,
    `</domain>`,
  ].join('\n');
}

/** libvirtd (as root) keeps a log per domain name; a probe's is of no further use. */
const qemuLogFolder = '/var/log/libvirt/qemu';

function removeProbeLog(name: string): void {
  try {
    rmSync(`${qemuLogFolder}/${name}.log`, { force: true });
  } catch {
    // Not ours to remove (another user's libvirtd, no permission): harmless to leave.
  }
}

/** QEMU's own complaint ("error: failed to set MSR ...") rather than libvirt's whole log excerpt. */
function conciseReason(error: unknown): string {
  const text = error instanceof HypervisorError ? (error.libvirtMessage ?? error.message) : String(error);
  const qemuError = /qemu-system[^:\n]*: error: ([^\n]+)/.exec(text);
  const line = qemuError?.[1] ?? text.split('\n')[0] ?? text;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

export async function probeKvm(call: (request: DbusRequest) => Promise<unknown[]>, connectPath: string): Promise<KvmProbeResult> {
  const name = `vlm-kvm-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let path: string;
  try {
    [path] = (await call({ path: connectPath, interface: connectInterface, member: 'DomainCreateXML', signature: 'su', body: [probeDomainXml(name), 0] })) as [string];
  } catch (error) {
    if (error instanceof HypervisorError && (error.code === 'disconnected' || error.code === 'timeout')) throw error;
    removeProbeLog(name);
    return { works: false, reason: `starting a KVM guest failed: ${conciseReason(error)}` };
  }
  const deadline = Date.now() + survivalMs;
  try {
    while (Date.now() < deadline) {
      const [[state]] = (await call({ path, interface: domainInterface, member: 'GetState', signature: 'u', body: [0] })) as [[number, number]];
      if (domainStates[state] !== 'running') return { works: false, reason: `a KVM guest went to state '${domainStates[state] ?? state}' right after starting` };
      await delay(checkIntervalMs);
    }
    return { works: true, reason: '' };
  } catch (error) {
    // A transient domain that died is gone: lookups fail with "Domain not found".
    if (error instanceof HypervisorError && error.code === 'no-such-domain') return { works: false, reason: 'a KVM guest stopped right after starting' };
    throw error;
  } finally {
    await call({ path, interface: domainInterface, member: 'Destroy', signature: 'u', body: [0] }).catch(() => undefined);
    removeProbeLog(name);
  }
}
