// One vlm-tiny guest on qemu:///system for provisioning tests, reached through its loopback SSH
// forward with a throwaway key. vlm-tiny has no Python: plays use gather_facts: false and raw.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { connectLibvirt } from '../../src/libvirt/libvirt-dbus-hypervisor';
import { buildImage, freePort, makeKey, requireTools, runFile, sshOptions, sshUntilConnected } from '../images/tiny-guest';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../local-libvirt/libvirt-environment';

export interface ProvisionGuest {
  /** The domain name, also the Ansible host name. */
  host: string;
  sshPort: number;
  /** Path of the private key the guest trusts. */
  privateKey: string;
  /** A 0755 folder of the test's own (seed, key, console log); removed by stop(). */
  workDirectory: string;
  /** Runs a command in the guest over SSH. */
  ssh(command: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startProvisionGuest(prefix: string): Promise<ProvisionGuest> {
  requireTools(
    'qemu-system-x86_64',
    'genisoimage',
    'ssh-keygen',
    'ssh',
    'ansible-playbook',
    'libvirtd',
    'virtlogd',
    'bwrap',
    'nc',
    'setpriv',
  );
  const host = `${prefix}-${randomBytes(4).toString('hex')}`;
  let environment: LibvirtTestEnvironment | undefined;
  let hypervisor: Hypervisor | undefined;
  let defined = false;
  const workDirectory = await mkdtemp(join(tmpdir(), `${prefix}-test-`));
  const stop = async () => {
    if (hypervisor && defined) {
      await hypervisor.destroy(host).catch(() => undefined);
      await hypervisor.undefine(host).catch(() => undefined);
    }
    await hypervisor?.close();
    await environment?.stop();
    await rm(workDirectory, { recursive: true, force: true });
  };
  try {
    environment = await startLibvirtTestEnvironment({ realDaemons: true });
    hypervisor = await connectLibvirt({ driver: 'qemu', busAddress: environment.busAddress });
    const image = await buildImage();
    // QEMU runs as libvirt-qemu and must reach the seed in this folder.
    await chmod(workDirectory, 0o755);
    const key = await makeKey(join(workDirectory, 'key'));
    const seed = join(workDirectory, 'seed.iso');
    await writeNoCloudSeed(seed, { instanceId: `iid-${host}`, hostname: 'ansible-guest', sshAuthorizedKeys: [key.publicKey] });
    const sshPort = await freePort();
    await hypervisor.defineDomain(
      buildDomainXml({
        name: host,
        type: 'qemu',
        vcpu: 1,
        memoryMiB: 128,
        cdrom: seed,
        kernelBoot: { kernel: image.kernel, initrd: image.initramfs, cmdline: image.manifest.kernel_cmdline },
        serialLogPath: join(workDirectory, 'console.log'),
        sshHostPort: sshPort,
      }),
    );
    defined = true;
    await hypervisor.start(host);
    const reached = await sshUntilConnected(key.privateKey, sshPort, 'true', 180_000);
    assert.equal(reached.code, 0, `the guest never answered SSH: ${reached.stderr}`);
    return {
      host,
      sshPort,
      privateKey: key.privateKey,
      workDirectory,
      ssh: (command) => runFile('ssh', [...sshOptions(key.privateKey, sshPort), 'root@127.0.0.1', command], 30_000),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
