// Whether KVM guests actually run here. /dev/kvm can exist while KVM guests die at start (nested
// virtualization refusing an MSR) or hang as soon as a kernel takes over the vCPU, while firmware
// alone still spins happily. So the probe boots a real kernel: the host's own, with no root file
// system, must reach its "cannot mount root" panic on the serial line within a deadline.
import { accessSync, constants as fsConstants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connectInterface, domainInterface, domainStates } from './constants';
import type { DbusRequest } from './dbus-call';
import { HypervisorError } from './hypervisor';
import { escapeXml } from './xml-text';

export interface KvmProbeResult {
  works: boolean;
  /** Why not, when it does not. */
  reason: string;
}

/** A kernel panics on a missing root in about a second under KVM; a stuck vCPU prints nothing. */
const defaultKernelDeadlineMs = 10_000;
/** Without a kernel to boot: how long firmware must stay running (immediate crashes only). */
const firmwareSurvivalMs = 1500;
const checkIntervalMs = 100;
const kernelReached = /Kernel panic|VFS: Unable to mount root/;

/** A host kernel libvirt's QEMU can read, newest name first; undefined when there is none. */
function hostKernel(): string | undefined {
  let names: string[];
  try {
    names = readdirSync('/boot')
      .filter((name) => /^vmlinuz-[A-Za-z0-9._+-]+$/.test(name))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const path = join('/boot', name);
    try {
      accessSync(path, fsConstants.R_OK);
      return path;
    } catch {
      // not readable by us: try the next
    }
  }
  return undefined;
}

function probeDomainXml(name: string, domainType: 'kvm' | 'qemu', kernel: { path: string; serialLog: string } | undefined): string {
  const lines = [
    `<domain type='${domainType}'>`,
    `  <name>${name}</name>`,
    `  <memory unit='MiB'>${kernel ? 160 : 32}</memory>`,
    `  <vcpu>1</vcpu>`,
    `  <os><type arch='x86_64' machine='pc'>hvm</type>`,
  ];
  if (kernel) lines.push(`    <kernel>${escapeXml(kernel.path)}</kernel>`, `    <cmdline>console=ttyS0 panic=0 quiet loglevel=3</cmdline>`);
  lines.push(
    `  </os>`,
    domainType === 'kvm' ? `  <cpu mode='host-passthrough'/>` : `  <cpu mode='custom'><model>qemu64</model></cpu>`,
    `  <on_reboot>destroy</on_reboot>`,
    `  <devices>`,
  );
  // Without a kernel, no disk and no devices: SeaBIOS finds nothing to boot and spins.
  if (kernel) lines.push(`    <serial type='pty'><log file='${escapeXml(kernel.serialLog)}' append='off'/><target port='0'/></serial>`);
  lines.push(`    <memballoon model='none'/>`, `  </devices>`, `</domain>`);
  return lines.join('\n');
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

function readText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

export interface KvmProbeOptions {
  /** 'kvm' but for tests, which show under TCG that a booting kernel is recognised. */
  domainType?: 'kvm' | 'qemu';
  kernelDeadlineMs?: number;
}

export async function probeKvm(
  call: (request: DbusRequest) => Promise<unknown[]>,
  connectPath: string,
  options: KvmProbeOptions = {},
): Promise<KvmProbeResult> {
  const { domainType = 'kvm', kernelDeadlineMs = defaultKernelDeadlineMs } = options;
  const name = `vlm-kvm-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const kernelPath = hostKernel();
  const folder = kernelPath ? mkdtempSync(join(tmpdir(), 'vlm-kvm-probe-')) : undefined;
  const kernel = kernelPath && folder ? { path: kernelPath, serialLog: join(folder, 'serial.log') } : undefined;
  let path: string;
  try {
    [path] = (await call({
      path: connectPath,
      interface: connectInterface,
      member: 'DomainCreateXML',
      signature: 'su',
      body: [probeDomainXml(name, domainType, kernel), 0],
    })) as [string];
  } catch (error) {
    if (folder) rmSync(folder, { recursive: true, force: true });
    if (error instanceof HypervisorError && (error.code === 'disconnected' || error.code === 'timeout')) throw error;
    removeProbeLog(name);
    return { works: false, reason: `starting a KVM guest failed: ${conciseReason(error)}` };
  }
  const deadline = Date.now() + (kernel ? kernelDeadlineMs : firmwareSurvivalMs);
  try {
    while (Date.now() < deadline) {
      if (kernel && kernelReached.test(readText(kernel.serialLog))) return { works: true, reason: '' };
      const [[state]] = (await call({ path, interface: domainInterface, member: 'GetState', signature: 'u', body: [0] })) as [
        [number, number],
      ];
      if (domainStates[state] !== 'running')
        return { works: false, reason: `a KVM guest went to state '${domainStates[state] ?? state}' right after starting` };
      await delay(checkIntervalMs);
    }
    if (!kernel) return { works: true, reason: '' };
    return {
      works: false,
      reason: `a KVM guest booting ${kernel.path} printed nothing of its kernel within ${kernelDeadlineMs / 1000} s (its vCPU hangs)`,
    };
  } catch (error) {
    // A transient domain that died is gone: lookups fail with "Domain not found".
    if (error instanceof HypervisorError && error.code === 'no-such-domain') {
      if (kernel && kernelReached.test(readText(kernel.serialLog))) return { works: true, reason: '' };
      return { works: false, reason: 'a KVM guest stopped right after starting' };
    }
    throw error;
  } finally {
    await call({ path, interface: domainInterface, member: 'Destroy', signature: 'u', body: [0] }).catch(() => undefined);
    removeProbeLog(name);
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}
