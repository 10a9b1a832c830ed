// `vlm console VM`: this terminal relayed to a VM's serial console (or SSH shell) through the host
// API (consoles/open, write, resize, close; output and closed notifications). Writes are split as
// host-client's console session splits them.
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import {
  ConsoleClosedNotification,
  ConsoleOutputNotification,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
  type ConsoleOpenParams,
} from '@vlm/schemas/src/host-protocol';
import { consoleWritePieces } from '@vlm/host-client/src/console-session';
import type { CommandHandler } from '../command-table';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { Cancelled, ReportedFailure, withHost, type HostSession } from '../host-session';
import { domainNameOf, parseVmAddress } from '../vm-address';

/** Ctrl-] (group separator), the detach key telnet and virsh console use. */
const detachByte = 0x1d;

type Ending =
  | { kind: 'detached' }
  | { kind: 'closed'; reason: string }
  | { kind: 'interrupted' }
  | { kind: 'terminated'; signal: 'SIGTERM' | 'SIGHUP' }
  | { kind: 'failed'; error: unknown };

/** Terminal state to put back on every way out, including an exception or process exit. */
function takeTerminal(): () => void {
  const input = process.stdin;
  if (!input.isTTY) return () => undefined;
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    input.setRawMode(wasRaw);
    process.removeListener('exit', restore);
  };
  process.on('exit', restore);
  return restore;
}

function clampSize(value: number | undefined): number {
  return Math.min(1000, Math.max(1, Math.floor(value ?? 80)));
}

async function relay(session: HostSession, consoleId: string, output: { stdout(text: string): void }): Promise<Ending> {
  return new Promise<Ending>((resolve) => {
    let settled = false;
    const decoder = new StringDecoder('utf8');
    // Writes go out one at a time, in order.
    let writing: Promise<unknown> = Promise.resolve();
    const finish = (ending: Ending) => {
      if (settled) return;
      settled = true;
      process.stdin.removeListener('data', onInput);
      process.stdin.removeListener('end', onEnd);
      process.removeListener('SIGWINCH', onResize);
      process.removeListener('SIGTERM', onTerminate);
      process.removeListener('SIGHUP', onHangUp);
      process.stdin.pause();
      resolve(ending);
    };
    const send = (text: string) => {
      for (const data of consoleWritePieces(text)) {
        writing = writing
          .then(() => session.request(ConsolesWriteRequest.type, { consoleId, data }))
          .catch((error: unknown) => {
            finish(error instanceof Cancelled ? { kind: 'interrupted' } : { kind: 'failed', error });
          });
      }
    };
    const onInput = (chunk: Buffer) => {
      const detachAt = chunk.indexOf(detachByte);
      const text = decoder.write(detachAt >= 0 ? chunk.subarray(0, detachAt) : chunk);
      if (text.length > 0) send(text);
      if (detachAt >= 0) void writing.then(() => finish({ kind: 'detached' }));
    };
    // Piped input that ends: detach once what was read is written.
    const onEnd = () => void writing.then(() => finish({ kind: 'detached' }));
    const onResize = () => {
      const columns = clampSize(process.stdout.columns);
      const rows = clampSize(process.stdout.rows);
      session.request(ConsolesResizeRequest.type, { consoleId, columns, rows }).catch(() => undefined);
    };

    // Killed or hung up: still end through finish, so the terminal is restored.
    const onTerminate = () => finish({ kind: 'terminated', signal: 'SIGTERM' });
    const onHangUp = () => finish({ kind: 'terminated', signal: 'SIGHUP' });
    process.on('SIGTERM', onTerminate);
    process.on('SIGHUP', onHangUp);

    session.onNotification(ConsoleOutputNotification.type, (message) => {
      if (message.consoleId === consoleId) output.stdout(message.data);
    });
    session.onNotification(ConsoleClosedNotification.type, (message) => {
      if (message.consoleId === consoleId) finish({ kind: 'closed', reason: message.reason });
    });
    session.connection.onClose(() =>
      finish({
        kind: 'failed',
        error: new ReportedFailure(`the host service at ${session.address} closed the connection.`, exitCodes.hostUnreachable),
      }),
    );
    // Without a terminal, Ctrl-C arrives as SIGINT rather than as a byte for the guest.
    session.onInterrupt(() => finish({ kind: 'interrupted' }));
    process.stdin.on('data', onInput);
    process.stdin.on('end', onEnd);
    if (process.stdout.isTTY) {
      process.on('SIGWINCH', onResize);
      onResize();
    }
    process.stdin.resume();
  });
}

export const attachConsole: CommandHandler = async (parsed, output) => {
  const [written, ...extra] = parsed.operands;
  if (written === undefined) throw new UsageError('no VM given. Usage: vlm console VM (LAB/VM or a domain name).', 'console');
  if (extra.length > 0) throw new UsageError(`'vlm console' attaches to one VM; also got: ${extra.map(printable).join(' ')}.`, 'console');
  const address = parseVmAddress(written, 'console');
  return withHost(parsed, 'console', output, async (session) => {
    const vm = await domainNameOf(address, session);
    const ssh = parsed.options.has('ssh');
    const params: ConsoleOpenParams = { vm };
    if (ssh) {
      params.kind = 'ssh';
      // The guest's pty gets this terminal's size and type; a type the host would refuse is left out.
      if (process.stdout.isTTY) Object.assign(params, { columns: clampSize(process.stdout.columns), rows: clampSize(process.stdout.rows) });
      const term = process.env.TERM;
      if (term !== undefined && /^[A-Za-z0-9._+-]{1,64}$/.test(term)) params.term = term;
    }
    const { consoleId } = await session.request(ConsolesOpenRequest.type, params);
    const what = ssh ? 'an SSH shell on' : 'the serial console of';
    output.stderr(`Connected to ${what} ${printable(address.written)}. Press Ctrl-] to detach.\r\n`);
    const restoreTerminal = takeTerminal();
    let ending: Ending;
    try {
      ending = await relay(session, consoleId, output);
    } finally {
      restoreTerminal();
    }
    switch (ending.kind) {
      case 'detached':
        // Closing is courtesy: the host also closes the console with the connection.
        await session.request(ConsolesCloseRequest.type, { consoleId }).catch(() => undefined);
        output.stderr(`\nDetached from ${printable(address.written)}.\n`);
        return exitCodes.success;
      case 'closed':
        output.stderr(`\nThe console of ${printable(address.written)} ended: ${printable(ending.reason)}.\n`);
        return exitCodes.success;
      case 'interrupted':
        return exitCodes.cancelled;
      case 'terminated':
        return 128 + constants.signals[ending.signal];
      case 'failed':
        throw ending.error;
    }
  });
};
