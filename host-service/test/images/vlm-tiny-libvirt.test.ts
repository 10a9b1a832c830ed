// Boots vlm-tiny as a libvirt domain on qemu:///system, as the deploy engine will: domain type
// 'qemu' (TCG), direct kernel boot, NoCloud seed on an IDE CD-ROM, serial pty with a log file,
// and a restricted user network with a loopback-only SSH forward passed through <qemu:commandline>.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { leaseLibvirtDaemons, type LibvirtDaemonsLease } from '../../local-libvirt/libvirt-daemons';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildImage, freePort, makeKey, requireTools, runFile, sshUntilConnected, type BuiltImage } from './tiny-guest';

const connection = 'qemu:///system';
const bootTimeoutMs = 180_000;

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const virsh = (...args: string[]) => runFile('virsh', ['-c', connection, ...args], 60_000);

/** Polls until fn returns a value (not undefined) or the deadline passes. */
async function pollUntil<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
  }
}

function domainXml(name: string, image: BuiltImage, seedIso: string, consoleLog: string, sshPort: number): string {
  return `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>${escapeXml(name)}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${escapeXml(image.kernel)}</kernel>
    <initrd>${escapeXml(image.initramfs)}</initrd>
    <cmdline>${escapeXml(image.manifest.kernel_cmdline)}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${escapeXml(seedIso)}'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <serial type='pty'>
      <log file='${escapeXml(consoleLog)}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/>
    <qemu:arg value='user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${sshPort}-:22'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='virtio-net-pci,netdev=n0,bus=pci.0,addr=0x9'/>
  </qemu:commandline>
</domain>
`;
}

describe('vlm-tiny under libvirt', { timeout: 600_000 }, () => {
  let image: BuiltImage;
  let workDirectory: string;
  const domains: string[] = [];
  let daemons: LibvirtDaemonsLease | undefined;

  before(async () => {
    requireTools('virsh', 'libvirtd', 'virtlogd', 'qemu-system-x86_64', 'genisoimage', 'ssh-keygen', 'ssh');
    // The shared lease: daemons this run starts are stopped when its last user is done.
    daemons = await leaseLibvirtDaemons();
    workDirectory = await mkdtemp(join(tmpdir(), 'vlm-tiny-libvirt-'));
    // QEMU runs as libvirt-qemu: it must be able to reach the seed in this folder.
    await chmod(workDirectory, 0o755);
    image = await buildImage();
  });

  after(async () => {
    for (const name of domains) await virsh('destroy', name);
    if (workDirectory !== undefined) await rm(workDirectory, { recursive: true, force: true });
    await daemons?.release();
  });

  test('boots as a qemu domain: prompt in the serial log, SSH through the loopback forward, ACPI shutdown ends it', async (t) => {
    const name = `vlm-tiny-test-${randomBytes(4).toString('hex')}`;
    const hostname = 'tiny-libvirt';
    const key = await makeKey(join(workDirectory, 'key'));
    const seedIso = join(workDirectory, 'seed.iso');
    await writeNoCloudSeed(seedIso, { instanceId: `iid-${name}`, hostname, sshAuthorizedKeys: [key.publicKey] });
    const consoleLog = join(workDirectory, 'console.log');
    const sshPort = await freePort();
    const xmlPath = join(workDirectory, 'domain.xml');
    await writeFile(xmlPath, domainXml(name, image, seedIso, consoleLog, sshPort));

    const started = performance.now();
    const created = await virsh('create', xmlPath);
    assert.equal(created.code, 0, `virsh create failed: ${created.stderr}`);
    domains.push(name);

    const liveXml = (await virsh('dumpxml', name)).stdout;
    assert.match(liveXml, /<serial type=['"]pty['"]>\s*<source path=['"]\/dev\/pts\/\d+['"]/, 'the live XML names the console pty');

    const prompt = new RegExp(`root@${hostname}:[^\\n]*# `);
    await pollUntil(`the prompt in ${consoleLog}`, bootTimeoutMs, async () => {
      const text = await readFile(consoleLog, 'utf8').catch(() => '');
      return prompt.test(text) ? true : undefined;
    });
    const promptSeconds = (performance.now() - started) / 1000;

    const result = await sshUntilConnected(key.privateKey, sshPort, 'hostname', 60_000);
    const sshSeconds = (performance.now() - started) / 1000;
    assert.equal(result.code, 0, `ssh failed: ${result.stderr}`);
    assert.equal(result.stdout.trim(), hostname);

    // virsh shutdown presses the ACPI power button; the guest powers off and the transient domain goes away.
    assert.equal((await virsh('shutdown', name)).code, 0);
    await pollUntil(`domain ${name} to power off`, 60_000, async () => ((await virsh('domstate', name)).code !== 0 ? true : undefined));
    domains.splice(domains.indexOf(name), 1);
    assert.match(await readFile(consoleLog, 'utf8'), /vlm-tiny: shutting down/);
    t.diagnostic(`libvirt: boot to prompt ${promptSeconds.toFixed(1)} s, boot to SSH ${sshSeconds.toFixed(1)} s (TCG)`);
  });
});
