// A large paste through a real vlm-host into a real guest's serial console (a vlm-tiny guest on
// qemu:///system, TCG): host-client's console session splits it into writes the host accepts,
// and the guest receives every byte, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startConsoleGuest, type ConsoleGuest } from '../../host-service/test/consoles/console-guest';
import { connectClient } from '../../host-service/test/api/host-process';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { ConsoleSession } from '../src/console-session';

/** What the terminal shows, and whatever the session reports. */
interface Screen {
  text: string;
  endings: string[];
  writeFailures: string[];
}

describe('a 300 KB paste into a serial console through vlm-host', { timeout: 900_000 }, () => {
  let guest: ConsoleGuest;
  let client: Awaited<ReturnType<typeof connectClient>>;

  before(async () => {
    guest = await startConsoleGuest('vlm-paste-test');
    client = await connectClient(guest.host.socketPath);
  });

  after(async () => {
    client?.close();
    await guest?.stop();
  });

  test('arrives whole: the guest counts every byte and the checksum matches', async () => {
    const session = await ConsoleSession.open(client, {
      key: { host: 'test', lab: 'paste', vm: 'guest', kind: 'serial' },
      domain: guest.domain,
    });
    const screen: Screen = { text: '', endings: [], writeFailures: [] };
    session.attach({
      output: (text) => (screen.text += text),
      ended: (reason) => screen.endings.push(reason),
      writeFailed: (reason) => screen.writeFailures.push(reason),
    });
    await waitUntil(
      'a shell prompt',
      () => {
        // busybox ash asks a terminal for the cursor position (ESC [6n) right after its prompt.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape is what ash prints.
        if (/# (?:\x1b\[6n)?$/.test(screen.text)) return true;
        session.write('\r');
        return false;
      },
      240_000,
      1000,
    );
    // Lines of letters and digits only: nothing the guest's terminal would take as a control key.
    const paste = Array.from({ length: 3000 }, (_, line) => `${String(line).padStart(5, '0')} ${'abcdefghij'.repeat(9)}xyz\n`).join('');
    assert.equal(paste.length, 300_000);
    const expected = createHash('md5').update(paste).digest('hex');
    session.write(
      `stty -echo; echo ready-$((40+2)); head -c ${paste.length} > /tmp/paste; stty echo; echo got-$(wc -c < /tmp/paste)-$(md5sum < /tmp/paste | cut -c1-32)\r`,
    );
    await waitUntil('the guest to read the paste', () => /ready-42/.test(screen.text), 60_000);
    session.write(paste);
    await session.written();
    assert.deepEqual(screen.writeFailures, []);
    const answer = await waitUntil(
      'the guest to count the paste',
      () => /got-\s*(\d+)-([0-9a-f]{32})/.exec(screen.text) ?? undefined,
      300_000,
      500,
    );
    assert.equal(Number(answer[1]), paste.length);
    assert.equal(answer[2], expected);
    assert.deepEqual(screen.endings, []);
    await session.close();
  });
});
