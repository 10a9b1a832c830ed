// Serial and SSH consoles through a real vlm-host, on a real vlm-tiny guest (qemu:///system,
// TCG): command round trips, window size, flow control under a flood, descriptors after many
// open/close cycles, and the consoles closing when the VM stops.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConsolesCloseRequest,
  ConsolesResizeRequest,
  consoleWindowBytes,
  HostInfoRequest,
  VmsForceStopRequest,
  type ConsoleKind,
} from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../local-libvirt/wait-until';
import {
  ConsoleClient,
  descriptorTargets,
  openSshWhenReady,
  residentBytes,
  runInShell,
  startConsoleGuest,
  waitForPrompt,
  type ClientConsole,
  type ConsoleGuest,
} from './console-guest';

/** The largest chunk the host reads from a source at once (libuv and ssh2 both stay under it). */
const largestChunkBytes = 64 * 1024;

let guest: ConsoleGuest;
let client: ConsoleClient;

before(async () => {
  guest = await startConsoleGuest('vlm-consoles-test');
  client = await ConsoleClient.connect(guest.host.socketPath);
});

after(async () => {
  client?.close();
  await guest?.stop();
});

async function floodWithSlowClient(kind: ConsoleKind): Promise<void> {
  const console =
    kind === 'ssh'
      ? await client.open({ vm: guest.domain, kind, flowControl: true })
      : await client.open({ vm: guest.domain, flowControl: true });
  await waitForPrompt(console, 30_000);
  // The slow client: it shows nothing until a full window has arrived, stays stalled for two
  // seconds (the host must stop there), then shows 64 KiB every 50 ms.
  const acknowledger = client.acknowledger(console);
  let waiting = 0;
  let largestUnacknowledged = 0;
  let stalled = true;
  let stallTimer: NodeJS.Timeout | undefined;
  client.onOutput = (target, bytes) => {
    if (target !== console) return;
    waiting += bytes;
    largestUnacknowledged = Math.max(largestUnacknowledged, target.receivedBytes - acknowledger.processedBytes);
    if (stallTimer === undefined && largestUnacknowledged >= consoleWindowBytes) stallTimer = setTimeout(() => (stalled = false), 2000);
  };
  const reader = setInterval(() => {
    if (stalled) return;
    const shown = Math.min(waiting, 64 * 1024);
    waiting -= shown;
    acknowledger.processed(shown);
    if (waiting === 0) acknowledger.flush();
  }, 50);
  try {
    const before = await residentBytes(guest.host.pid);
    let largest = before;
    const from = console.output.text.length;
    const startBytes = console.receivedBytes;
    // The serial line of a TCG guest carries about 40 KB/s: it floods longer to fill a window.
    const seconds = kind === 'ssh' ? 5 : 15;
    await console.write(`timeout ${seconds} yes vlm-flood-line; echo flood-over-$((40+2))\r`);
    await waitUntil('a window of flood output', () => console.receivedBytes - startBytes >= consoleWindowBytes, 60_000);
    // The service still answers other requests while the console is flooded and paused.
    const info = await client.connection.sendRequest(HostInfoRequest.type, {});
    assert.equal(info.service.pid, guest.host.pid, 'host/info answers during the flood');
    await waitUntil(
      'the flood to end and the slow client to catch up',
      async () => {
        largest = Math.max(largest, await residentBytes(guest.host.pid));
        return /flood-over-42/.test(console.output.text.slice(from));
      },
      180_000,
      100,
    );
    const received = console.receivedBytes - startBytes;
    const growth = largest - before;
    process.stdout.write(
      `# ${kind} flood: ${received} bytes shown, largest unacknowledged ${largestUnacknowledged}, RSS ${before} -> ${largest} bytes\n`,
    );
    assert.ok(received > consoleWindowBytes, `the flood reached the client (${received} bytes)`);
    assert.ok(largestUnacknowledged >= consoleWindowBytes, `the stalled client was a full window behind (${largestUnacknowledged})`);
    assert.ok(
      largestUnacknowledged <= consoleWindowBytes + largestChunkBytes,
      `unacknowledged output stayed within the window: ${largestUnacknowledged}`,
    );
    assert.ok(growth < 48 * 1024 * 1024, `vlm-host's RSS grew by ${growth} bytes during the flood`);
  } finally {
    clearInterval(reader);
    clearTimeout(stallTimer);
    client.onOutput = undefined;
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: console.consoleId }).catch(() => undefined);
  }
}

const ptyTargets = (targets: string[]) => targets.filter((target) => target === '/dev/ptmx' || target.startsWith('/dev/pts/')).sort();
const socketTargets = (targets: string[]) => targets.filter((target) => target.startsWith('socket:')).length;

describe('consoles of a vlm-tiny guest through vlm-host', { timeout: 900_000 }, () => {
  test('serial console: a command typed at the prompt gets the guest shell’s answer', async () => {
    const serial = await client.open({ vm: guest.domain });
    await waitForPrompt(serial);
    const answer = await runInShell(serial, 'echo serial-$((6*7))');
    assert.match(answer, /serial-42/);
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: serial.consoleId });
  });

  test('SSH console: a login shell with the service key runs commands; the guest host key is pinned', async () => {
    const ssh = await openSshWhenReady(client, { vm: guest.domain });
    await waitForPrompt(ssh, 30_000);
    const answer = await runInShell(ssh, 'echo ssh-$((6*7)) $(whoami)@$(hostname)');
    assert.match(answer, /ssh-42 root@console-guest/);
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: ssh.consoleId });

    // The pinned fingerprint is one of the keys the guest printed on its serial console at boot.
    const pins = JSON.parse(await readFile(join(guest.dataDirectory, 'ssh', 'pinned-host-keys.json'), 'utf8')) as Record<
      string,
      { vm: string; fingerprint: string }
    >;
    const pin = Object.values(pins).find((entry) => entry.vm === guest.domain);
    assert.ok(pin, `no pin for ${guest.domain} in ${JSON.stringify(pins)}`);
    const log = await readFile(guest.serialLogPath, 'utf8');
    const block = /-----BEGIN SSH HOST KEY KEYS-----([\s\S]*?)-----END SSH HOST KEY KEYS-----/.exec(log);
    assert.ok(block, 'the guest printed its host keys');
    const printed = [...(block[1] as string).matchAll(/^\s*(?:ssh|ecdsa)-\S+ (\S+)/gm)].map(
      (match) =>
        `SHA256:${createHash('sha256')
          .update(Buffer.from(match[1] as string, 'base64'))
          .digest('base64')
          .replace(/=+$/, '')}`,
    );
    assert.ok(printed.includes(pin.fingerprint), `pinned ${pin.fingerprint}, guest printed ${printed.join(', ')}`);

    // A second connect checks against the pin and still works.
    const again = await client.open({ vm: guest.domain, kind: 'ssh' });
    await waitForPrompt(again, 30_000);
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: again.consoleId });
  });

  test('SSH console: the window size given at open and on resize is what stty sees in the guest', async () => {
    const ssh = await client.open({ vm: guest.domain, kind: 'ssh', columns: 100, rows: 30, term: 'xterm-256color' });
    await waitForPrompt(ssh, 30_000);
    assert.match(await runInShell(ssh, 'echo size=$(stty size) term=$TERM'), /size=30 100 term=xterm-256color/);
    await client.connection.sendRequest(ConsolesResizeRequest.type, { consoleId: ssh.consoleId, columns: 132, rows: 50 });
    assert.match(await runInShell(ssh, 'echo size=$(stty size)'), /size=50 132/);
    await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: ssh.consoleId });
  });
});

describe('console flow control under a flood', { timeout: 900_000 }, () => {
  for (const kind of ['ssh', 'serial'] as const) {
    test(`${kind} console: a flood read by a slow client keeps output in flight and the service's memory bounded`, async () => {
      await floodWithSlowClient(kind);
    });
  }
});

describe('console descriptors of vlm-host', { timeout: 900_000 }, () => {
  test('200 serial and 200 SSH console open/close cycles leave vlm-host with the descriptors it had', async () => {
    const pid = guest.host.pid;
    // The previous test's consoles finish closing asynchronously; start from rest, where vlm-host
    // (its stdio are pipes) holds no terminal at all.
    const baseline = await waitUntil(
      'vlm-host to hold no pty descriptor before the cycles',
      async () => {
        const now = await descriptorTargets(pid);
        return ptyTargets(now).length === 0 ? now : undefined;
      },
      10_000,
    );
    for (let cycle = 0; cycle < 200; cycle += 1) {
      const serial = await client.open({ vm: guest.domain });
      await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: serial.consoleId });
    }
    for (let cycle = 0; cycle < 200; cycle += 1) {
      const ssh = await client.open({ vm: guest.domain, kind: 'ssh' });
      await client.connection.sendRequest(ConsolesCloseRequest.type, { consoleId: ssh.consoleId });
    }
    // Closing a pty's write side finishes asynchronously: wait for the count to come back.
    const settled = await waitUntil(
      'vlm-host’s pty and socket descriptors to return to the baseline',
      async () => {
        const now = await descriptorTargets(pid);
        return ptyTargets(now).length === ptyTargets(baseline).length && socketTargets(now) === socketTargets(baseline) ? now : undefined;
      },
      10_000,
    ).catch(() => undefined);
    const after = settled ?? (await descriptorTargets(pid));
    assert.deepEqual(ptyTargets(after), ptyTargets(baseline));
    assert.equal(socketTargets(after), socketTargets(baseline));
  });

  test('a client that disconnects leaves no console descriptors behind', async () => {
    const pid = guest.host.pid;
    const baseline = await descriptorTargets(pid);
    const leaving = await ConsoleClient.connect(guest.host.socketPath);
    await leaving.open({ vm: guest.domain });
    await leaving.open({ vm: guest.domain, kind: 'ssh' });
    const opened = await descriptorTargets(pid);
    assert.ok(ptyTargets(opened).length > ptyTargets(baseline).length, 'the serial console holds the pty');
    leaving.close();
    await waitUntil(
      'the disconnected client’s consoles to close',
      async () => {
        const now = await descriptorTargets(pid);
        return ptyTargets(now).length === ptyTargets(baseline).length && socketTargets(now) === socketTargets(baseline);
      },
      10_000,
    );
  });
});

describe('consoles of a VM that stops', { timeout: 900_000 }, () => {
  test('stopping the VM closes its serial and SSH consoles with a reason, releasing their descriptors', async () => {
    const baseline = await descriptorTargets(guest.host.pid);
    const serial = await client.open({ vm: guest.domain });
    const ssh = await client.open({ vm: guest.domain, kind: 'ssh' });
    await waitForPrompt(ssh, 30_000);
    await client.connection.sendRequest(VmsForceStopRequest.type, { vm: guest.domain });
    const closed = (console: ClientConsole) => waitUntil('the console to close', () => console.closedReason, 30_000);
    assert.match(await closed(serial), new RegExp(`console of ${guest.domain} ended`));
    assert.match(await closed(ssh), new RegExp(`(SSH console|SSH connection to) ${guest.domain}`));
    await waitUntil(
      'the stopped VM’s console descriptors to be released',
      async () => {
        const now = await descriptorTargets(guest.host.pid);
        return ptyTargets(now).length === ptyTargets(baseline).length && socketTargets(now) === socketTargets(baseline);
      },
      10_000,
    );
  });
});
