// Benchmark (not a test): bytes per second through vlm-host's console stream against plain
// OpenSSH to the same vlm-tiny guest, in the same run. Each round prints the same output in the
// guest (`head -c SIZE /dev/zero | base64`) from an interactive shell with a pty, timed from
// sending the command line to seeing its end marker; connection set-up is outside the timing.
// Ours: an SSH console with flow control and a client acknowledging as it reads, and the serial
// console (no anchor: nothing else reads a serial line faster than its pty).
// Run: node --import tsx host-service/bench/console-throughput.ts [SIZE_MIB=4] [ROUNDS=5] [SERIAL_SIZE_KIB=256]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ConsolesCloseRequest } from '@vlm/schemas/src/host-protocol';
import { sshOptions } from '../test/images/tiny-guest';
import {
  ConsoleClient,
  openSshWhenReady,
  runInShell,
  startConsoleGuest,
  waitForPrompt,
  type ClientConsole,
} from '../test/consoles/console-guest';
import { median } from './libvirt-bench-statistics';

const sizeMiB = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 5);
const serialSizeKiB = Number(process.argv[4] ?? 256);
for (const [name, value] of [
  ['SIZE_MIB', sizeMiB],
  ['ROUNDS', rounds],
  ['SERIAL_SIZE_KIB', serialSizeKiB],
] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1, not ${value}.`);
}

/** The command and how to recognise its end; base64 output is about 4/3 of the input plus line ends. */
function floodCommand(bytes: number): { line: string; end: RegExp } {
  const marker = randomBytes(3).toString('hex');
  return { line: `head -c ${bytes} /dev/zero | base64; echo end-${marker}-$((40+2))\r`, end: new RegExp(`end-${marker}-42`) };
}

interface Round {
  bytes: number;
  seconds: number;
}

/** One round through a vlm-host console (its client acknowledges output as it arrives). */
async function throughConsole(console: ClientConsole, bytes: number): Promise<Round> {
  const { line, end } = floodCommand(bytes);
  const startBytes = console.receivedBytes;
  const started = performance.now();
  await console.write(line);
  // The marker is new each round and its typed form ($((40+2))) never matches: search all the kept text.
  await console.output.waitFor(end, 600_000);
  const seconds = (performance.now() - started) / 1000;
  return { bytes: console.receivedBytes - startBytes, seconds };
}

/** An interactive `ssh -tt` shell, fed command lines on stdin, its output read from stdout. */
function startOpenSsh(key: string, port: number): { pid: number; run(bytes: number): Promise<Round>; stop(): void } {
  const child = spawn('ssh', ['-tt', ...sshOptions(key, port), 'root@127.0.0.1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let text = '';
  let received = 0;
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    received += chunk.length;
    text = (text + chunk.toString('latin1')).slice(-4096);
    for (const waiter of waiters) waiter();
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(text)) {
          waiters.delete(check);
          resolve();
        } else if (child.exitCode !== null) {
          waiters.delete(check);
          reject(new Error(`ssh exited (${child.exitCode}) before ${pattern}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    pid: child.pid as number,
    async run(bytes) {
      if (received === 0) await waitFor(/# /);
      const { line, end } = floodCommand(bytes);
      text = '';
      const startBytes = received;
      const started = performance.now();
      child.stdin.write(line);
      await waitFor(end);
      return { bytes: received - startBytes, seconds: (performance.now() - started) / 1000 };
    },
    stop() {
      child.kill();
    },
  };
}

const megabytesPerSecond = (round: Round) => round.bytes / round.seconds / 1e6;

/** User plus system CPU seconds a process has used (from /proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Rounds through the serial console (no anchor: nothing else reads a serial line faster than its pty). */
async function throughSerial(client: ConsoleClient, vm: string): Promise<Round[]> {
  const serial = await client.open({ vm, flowControl: true });
  const serialAcknowledger = client.acknowledger(serial);
  client.onOutput = (console, count) => {
    if (console.output.text.length > 65_536) console.output.text = console.output.text.slice(-4096);
    if (console === serial) serialAcknowledger.processed(count);
  };
  await waitForPrompt(serial, 60_000);
  const serialRounds: Round[] = [];
  for (let round = 0; round < Math.min(rounds, 3); round += 1) serialRounds.push(await throughConsole(serial, serialSizeKiB * 1024));
  return serialRounds;
}

async function main(): Promise<void> {
  const guest = await startConsoleGuest('vlm-console-bench');
  const client = await ConsoleClient.connect(guest.host.socketPath);
  try {
    const ssh = await openSshWhenReady(client, { vm: guest.domain, flowControl: true });
    const acknowledger = client.acknowledger(ssh);
    // A client that shows output as fast as it arrives: acknowledge every notification. The
    // watcher keeps only a tail, so finding the end marker costs the same at any output size.
    let notifications = 0;
    client.onOutput = (console, bytes) => {
      if (console.output.text.length > 65_536) console.output.text = console.output.text.slice(-4096);
      if (console === ssh) {
        notifications += 1;
        acknowledger.processed(bytes);
      }
    };
    await waitForPrompt(ssh, 60_000);
    await runInShell(ssh, 'true');
    const openSsh = startOpenSsh(guest.privateKeyPath, guest.sshPort);
    const bytes = sizeMiB * 1024 * 1024;
    const ours: Round[] = [];
    const anchor: Round[] = [];
    // Warm-up round each (guest page cache, JIT), then alternate so drift hits both alike.
    await throughConsole(ssh, bytes);
    await openSsh.run(bytes);
    // Host-side CPU per megabyte: vlm-host (SSH client, JSON-RPC encoding) against the ssh client process.
    let hostCpu = 0;
    let sshCpu = 0;
    const notificationsBefore = notifications;
    for (let round = 0; round < rounds; round += 1) {
      const hostBefore = cpuSeconds(guest.host.pid);
      ours.push(await throughConsole(ssh, bytes));
      hostCpu += cpuSeconds(guest.host.pid) - hostBefore;
      const sshBefore = cpuSeconds(openSsh.pid);
      anchor.push(await openSsh.run(bytes));
      sshCpu += cpuSeconds(openSsh.pid) - sshBefore;
    }
    const oursMegabytes = ours.reduce((sum, round) => sum + round.bytes, 0) / 1e6;
    const oursSeconds = ours.reduce((sum, round) => sum + round.seconds, 0);
    const notificationsPerMegabyte = (notifications - notificationsBefore) / oursMegabytes;
    // vlm-host's CPU at rest (its pollers and timers), over a quiet spell: on a slow guest a
    // megabyte takes seconds, and that background share counts in the per-megabyte figure.
    const restBefore = cpuSeconds(guest.host.pid);
    const restStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const restCpuPerSecond = (cpuSeconds(guest.host.pid) - restBefore) / ((performance.now() - restStarted) / 1000);
    const anchorMegabytes = anchor.reduce((sum, round) => sum + round.bytes, 0) / 1e6;
    openSsh.stop();
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: ssh.consoleId });

    const serialRounds = await throughSerial(client, guest.domain);

    const oursMedian = median(ours.map(megabytesPerSecond));
    const anchorMedian = median(anchor.map(megabytesPerSecond));
    console.log(
      `console throughput, ${sizeMiB} MiB of zeros through base64 (${ours[0]?.bytes ?? 0} bytes of output), ${rounds} rounds, medians:`,
    );
    const crypto = /SSH crypto (\w+)/.exec(guest.host.stdout)?.[1] ?? 'unknown';
    console.log(`  vlm-host SSH console        ${oursMedian.toFixed(2).padStart(8)} MB/s (ssh2 crypto: ${crypto})`);
    console.log(`  plain ssh -tt (anchor)      ${anchorMedian.toFixed(2).padStart(8)} MB/s`);
    console.log(`  ratio ours/anchor           ${(oursMedian / anchorMedian).toFixed(2).padStart(8)}x`);
    const hostCpuPerMegabyte = (hostCpu * 1000) / oursMegabytes;
    const sshCpuPerMegabyte = (sshCpu * 1000) / anchorMegabytes;
    const cpuRatio = (hostCpuPerMegabyte / sshCpuPerMegabyte).toFixed(2);
    console.log(
      `  CPU per MB: vlm-host ${hostCpuPerMegabyte.toFixed(1)} ms, ssh client ${sshCpuPerMegabyte.toFixed(1)} ms, ratio ${cpuRatio}x (totals over the rounds)`,
    );
    const restPerMegabyte = (restCpuPerSecond * oursSeconds * 1000) / oursMegabytes;
    console.log(
      `  of which vlm-host at rest ${(restCpuPerSecond * 1000).toFixed(1)} ms CPU/s, ${restPerMegabyte.toFixed(1)} ms per MB at this rate (ratio without it ${((hostCpuPerMegabyte - restPerMegabyte) / sshCpuPerMegabyte).toFixed(2)}x)`,
    );
    console.log(
      `  output notifications per MB ${notificationsPerMegabyte.toFixed(0).padStart(8)} (each a JSON encoding and a socket write)`,
    );
    console.log(
      `  vlm-host serial console     ${median(serialRounds.map(megabytesPerSecond)).toFixed(2).padStart(8)} MB/s (${serialSizeKiB} KiB, ${serialRounds.length} rounds; no anchor)`,
    );
    console.log(`  samples ours   ${ours.map((round) => megabytesPerSecond(round).toFixed(2)).join(' ')}`);
    console.log(`  samples anchor ${anchor.map((round) => megabytesPerSecond(round).toFixed(2)).join(' ')}`);
  } finally {
    client.close();
    await guest.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
