// Test support for console tests and the console benchmark: one vlm-tiny guest on
// qemu:///system (TCG) with the service key in its seed and SSH forwarded on 127.0.0.1, a real
// vlm-host on the QEMU driver, and a client that sorts console output by console.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readlink, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesAckRequest,
  ConsolesOpenRequest,
  ConsolesWriteRequest,
  type ConsoleOpenParams,
} from '@vlm/schemas/src/host-protocol';
import { ConsoleOutputAcknowledger } from '@vlm/schemas/src/console-flow';
import { writeNoCloudSeed } from '../../src/deploy/nocloud-seed';
import { buildDomainXml } from '../../src/libvirt/domain-xml';
import type { Hypervisor } from '../../src/libvirt/hypervisor';
import { connectClient, type HostProcess } from '../api/host-process';
import { buildImage, ConsoleWatcher, freePort, makeKey, requireTools } from '../images/tiny-guest';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startHostFixture, type Client } from '../support/host-fixture';

export interface ConsoleGuest {
  domain: string;
  sshPort: number;
  /** The service key vlm-host uses (also in the guest's authorized_keys). */
  privateKeyPath: string;
  serialLogPath: string;
  dataDirectory: string;
  host: HostProcess;
  hypervisor: Hypervisor;
  stop(): Promise<void>;
}

/** Boots a guest and starts vlm-host; `stop()` removes the domain, the host, the daemons' lease and the temp dir. */
export async function startConsoleGuest(prefix: string): Promise<ConsoleGuest> {
  requireTools('genisoimage', 'ssh-keygen', 'virsh', 'libvirtd', 'virtlogd');
  const domain = `${prefix}-${randomBytes(4).toString('hex')}`;
  // QEMU runs as another user under qemu:///system: it must reach the kernel, seed and log.
  const fixture = await startHostFixture({
    name: prefix.replace(/^vlm-/, ''),
    driver: 'qemu',
    folderMode: 0o755,
    startHost: false,
    leftovers: { domains: [domain] },
  });
  try {
    const { folder, dataDirectory, hypervisor } = fixture;
    // Where vlm-host looks for the service key (the deploy engine makes it on first deploy).
    await mkdir(join(dataDirectory, 'ssh'), { recursive: true, mode: 0o700 });
    const key = await makeKey(join(dataDirectory, 'ssh', 'id_ed25519'));
    const seed = join(folder, 'seed.iso');
    await writeNoCloudSeed(seed, { instanceId: domain, hostname: 'console-guest', sshAuthorizedKeys: [key.publicKey] });
    const image = await buildImage();
    const sshPort = await freePort();
    const serialLogPath = join(folder, 'serial.log');
    await hypervisor.defineDomain(
      buildDomainXml({
        name: domain,
        type: 'qemu',
        vcpu: 1,
        memoryMiB: 128,
        kernelBoot: { kernel: image.kernel, initrd: image.initramfs, cmdline: image.manifest.kernel_cmdline },
        // The seed as a raw virtio disk: the guest looks for the cidata label on any disk.
        disk: { path: seed, format: 'raw' },
        sshHostPort: sshPort,
        serialLogPath,
      }),
    );
    await hypervisor.start(domain);
    await fixture.restart();
    return {
      domain,
      sshPort,
      privateKeyPath: key.privateKey,
      serialLogPath,
      dataDirectory,
      host: fixture.host,
      hypervisor,
      stop: () => fixture.dispose(),
    };
  } catch (error) {
    await fixture.dispose();
    throw error;
  }
}

/** One open console as the client sees it. */
export interface ClientConsole {
  consoleId: string;
  output: ConsoleWatcher;
  /** Output bytes received (the sum of the notifications' `bytes`). */
  receivedBytes: number;
  closedReason?: string;
  write(data: string): Promise<void>;
}

/** Routes console notifications of one client to the consoles opened through `openConsole`. */
export class ConsoleClient {
  private readonly consoles = new Map<string, ClientConsole>();
  /** Called with each output notification, before it is added to the console's text. */
  onOutput?: (console: ClientConsole, bytes: number) => void;

  private constructor(readonly connection: Client) {
    connection.onNotification(ConsoleOutputNotification.type, ({ consoleId, data, bytes }) => {
      const console = this.consoles.get(consoleId);
      if (!console) return;
      console.receivedBytes += bytes;
      this.onOutput?.(console, bytes);
      console.output.append(data);
    });
    connection.onNotification(ConsoleClosedNotification.type, ({ consoleId, reason }) => {
      const console = this.consoles.get(consoleId);
      if (!console) return;
      console.closedReason = reason;
      console.output.end(reason);
    });
  }

  static async connect(socketPath: string): Promise<ConsoleClient> {
    return new ConsoleClient(await connectClient(socketPath));
  }

  async open(params: ConsoleOpenParams): Promise<ClientConsole> {
    const { consoleId } = await this.connection.sendRequest(ConsolesOpenRequest.type, params);
    const console: ClientConsole = {
      consoleId,
      output: new ConsoleWatcher(),
      receivedBytes: 0,
      write: async (data) => {
        await this.connection.sendRequest(ConsolesWriteRequest.type, { consoleId, data });
      },
    };
    this.consoles.set(consoleId, console);
    return console;
  }

  acknowledger(console: ClientConsole, every?: number): ConsoleOutputAcknowledger {
    return new ConsoleOutputAcknowledger((bytes) => {
      void this.connection.sendRequest(ConsolesAckRequest.type, { consoleId: console.consoleId, bytes }).catch(() => undefined);
    }, every);
  }

  close(): void {
    this.connection.close();
  }
}

/** Opens an SSH console, retrying while the guest's SSH server is not up yet. */
export async function openSshWhenReady(client: ConsoleClient, params: ConsoleOpenParams, timeoutMs = 240_000): Promise<ClientConsole> {
  return waitUntil(
    'an SSH console (the guest SSH server to accept the service key)',
    () => client.open({ ...params, kind: 'ssh' }),
    timeoutMs,
    500,
  );
}

/** Presses Enter until a shell prompt shows (the guest may still be booting). */
export async function waitForPrompt(console: ClientConsole, timeoutMs = 240_000): Promise<void> {
  await waitUntil(
    'a shell prompt on the console',
    async () => {
      // busybox ash asks a terminal for the cursor position (ESC [6n) right after its prompt.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: that escape sequence is what it matches
      if (/# (?:\x1b\[6n)?$/.test(console.output.text)) return true;
      await console.write('\r');
      return false;
    },
    timeoutMs,
    1000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; the console showed: ${JSON.stringify(console.output.text.slice(-2000))}`);
  });
}

/**
 * Runs a command and waits for its marker line. The command's answer is computed by the guest
 * (`$((…))`), so the echo of the typed line never matches.
 */
export async function runInShell(console: ClientConsole, command: string, timeoutMs = 60_000): Promise<string> {
  const marker = randomBytes(3).toString('hex');
  const from = console.output.text.length;
  await console.write(`${command}; echo end-${marker}-$((40+2))\r`);
  await console.output.waitFor(new RegExp(`end-${marker}-42`), timeoutMs, from);
  return console.output.text.slice(from);
}

/** The targets of a process's descriptors, e.g. "/dev/pts/3" or "socket:[1234]". */
export async function descriptorTargets(pid: number): Promise<string[]> {
  const entries = await readdir(`/proc/${pid}/fd`);
  const targets = await Promise.all(entries.map((entry) => readlink(`/proc/${pid}/fd/${entry}`).catch(() => undefined)));
  return targets.filter((target): target is string => target !== undefined);
}

export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
