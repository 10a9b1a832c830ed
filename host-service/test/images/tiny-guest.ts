// Helpers for tests that boot the vlm-tiny guest: build it, make keys and seeds, start QEMU,
// watch the serial console, and run ssh against the loopback port forward.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScriptIn, buildVlmTiny, type VlmTinyImage } from '../../vlm-tiny/vlm-tiny-image';
import { buildDomainXml, type DomainSpec } from '../../src/libvirt/domain-xml';

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const buildScript = buildScriptIn(repositoryRoot);
/**
 * Shared by test runs: the build skips itself when the image is up to date. Outside the checkout,
 * because libvirt's QEMU user must reach the kernel, and a checkout may sit in a private folder.
 */
export const imageDirectory = join(tmpdir(), 'vlm-test-images', 'vlm-tiny');

const toolPackages: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  genisoimage: 'genisoimage',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  'ssh-keyscan': 'openssh-client',
  virsh: 'libvirt-clients',
  libvirtd: 'libvirt-daemon',
  virtlogd: 'libvirt-daemon',
  setpriv: 'util-linux',
};

/** Throws, naming the Debian package and the install command, when a tool is missing. */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => toolPackages[tool] ?? tool))].join(' ');
  throw new Error(`Missing ${missing.join(', ')}. Install as root with: apt-get install -y --no-install-recommends ${packages}`);
}

export interface BuiltImage extends VlmTinyImage {
  /** What the build printed: "built ..." or "... is up to date". */
  output: string;
  seconds: number;
}

export function runFile(
  program: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(program, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export async function buildImage(directory = imageDirectory): Promise<BuiltImage> {
  const started = performance.now();
  const image = await buildVlmTiny(buildScript, directory);
  return { ...image, output: image.buildOutput, seconds: (performance.now() - started) / 1000 };
}

/** A small QEMU domain that boots vlm-tiny's kernel directly (no disk to wait for), with `devices` added. */
export function directBootDomainXml(name: string, image: VlmTinyImage, devices: Partial<DomainSpec> = {}): string {
  const kernelBoot = { kernel: image.kernel, initrd: image.initramfs, cmdline: image.manifest.kernel_cmdline };
  return buildDomainXml({ name, type: 'qemu', vcpu: 1, memoryMiB: 128, kernelBoot, ...devices });
}

/** A throwaway ed25519 key pair: returns the private key path and the public key line. */
export async function makeKey(path: string): Promise<{ privateKey: string; publicKey: string }> {
  const result = await runFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vlm-test', '-f', path], 30_000);
  if (result.code !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  return { privateKey: path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Text arriving from a serial console, with waits on patterns (event driven, with a deadline). */
export class ConsoleWatcher {
  text = '';
  private readonly waiters = new Set<() => void>();
  private endReason: string | undefined;

  append(chunk: string): void {
    this.text += chunk;
    for (const waiter of this.waiters) waiter();
  }

  end(reason: string): void {
    this.endReason = reason;
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves with the match once pattern appears after `from` (an offset into the text). */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.text.slice(from));
        if (match) finish(() => resolvePromise(match));
        else if (this.endReason !== undefined)
          finish(() => reject(new Error(`console ended (${this.endReason}) before ${pattern}; it showed:\n${this.text.slice(-3000)}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} on the console within ${timeoutMs} ms; it showed:\n${this.text.slice(-3000)}`))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }
}

export interface QemuGuest {
  process: ChildProcessWithoutNullStreams;
  serial: ConsoleWatcher;
  startedAt: number;
  /** Types a line into the serial console shell. */
  type(line: string): void;
  stop(): Promise<void>;
}

export interface QemuOptions {
  image: BuiltImage;
  sshPort: number;
  seedIso?: string;
  extraKernelArguments?: string;
  memoryMb?: number;
  logFile: string;
  extraQemuArguments?: readonly string[];
}

/** Boots the image under TCG with a restricted user network: only 127.0.0.1:sshPort reaches the guest. */
export function startQemu(options: QemuOptions): QemuGuest {
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-machine',
    'pc,accel=tcg',
    '-m',
    String(options.memoryMb ?? 128),
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    options.image.kernel,
    '-initrd',
    options.image.initramfs,
    '-append',
    [options.image.manifest.kernel_cmdline, options.extraKernelArguments ?? ''].join(' ').trim(),
    '-netdev',
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${options.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    // Entropy for the guest's first SSH host key; without it key generation waits seconds.
    '-device',
    'virtio-rng-pci',
  ];
  if (options.seedIso !== undefined) args.push('-drive', `file=${options.seedIso},media=cdrom,readonly=on,if=ide`);
  args.push(...(options.extraQemuArguments ?? []));
  const startedAt = performance.now();
  // setpriv makes the kernel kill QEMU if this test process dies without cleaning up.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const serial = new ConsoleWatcher();
  const log = createWriteStream(options.logFile);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    serial.append(chunk);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    serial.append(chunk);
  });
  const exited = new Promise<void>((resolvePromise) => {
    child.on('close', (code, signal) => {
      serial.end(`qemu exited, ${signal ?? code}`);
      log.end();
      resolvePromise();
    });
  });
  child.on('error', (error) => serial.end(`qemu did not start: ${error.message}`));
  return {
    process: child,
    serial,
    startedAt,
    type: (line: string) => {
      child.stdin.write(`${line}\n`);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const sshOptions = (key: string, port: number): string[] => [
  '-i',
  key,
  '-p',
  String(port),
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'BatchMode=yes',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'ConnectTimeout=10',
  '-o',
  'LogLevel=ERROR',
];

/** Runs a command in the guest over SSH, retrying connection failures until the deadline. */
export async function sshUntilConnected(
  key: string,
  port: number,
  command: string,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await runFile('ssh', [...sshOptions(key, port), 'root@127.0.0.1', command], 30_000);
    // 255 is ssh's own failure (refused, reset, auth); anything else came from the command.
    if (result.code !== 255 || Date.now() > deadline) return result;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
  }
}
