// The extension's half of a graphical console: between the panel (noVNC, messages checked against
// panel-messages.schema.json) and the host's 'vnc' console stream. It fetches the display's
// password from the host and hands it to the panel only, never to a log or saved state. Output is
// acknowledged to the host only as the panel reports it processed, so a slow panel slows the
// display instead of filling memory. No vscode here: the panel file is the thin part.
import type { MessageConnection } from 'vscode-jsonrpc';
import { VmsVncCredentialsRequest } from '@vlm/schemas/src/host-protocol';
import type { VncTarget, VncToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { ConsoleSession, findDomainName } from '@vlm/host-client/src/console-session';
import { base64Pieces } from '@vlm/webviews/src/vnc/base64-bytes';
import { pasteMaximumCharacters } from '@vlm/webviews/src/vnc/typed-keys';

/** Characters of one 'data' message to the panel (its schema's maxLength). */
export const panelDataMaximumCharacters = 262_144;

export interface RelayContext {
  target: VncTarget;
  /** The host's open connection; throws with what to do when the host is not connected. */
  connection(): MessageConnection;
  post(message: VncToPanel): void;
  readClipboard(): Promise<string>;
  warn(line: string): void;
}

export class GraphicalConsoleRelay {
  private session: ConsoleSession | undefined;
  /** Bytes posted to the panel, and those it said it processed: it cannot process more than it got. */
  private posted = 0;
  private processed = 0;
  private disposed = false;

  constructor(private readonly context: RelayContext) {}

  /** A message from the panel, checked first; one of the wrong shape is dropped with a warning. */
  async handle(raw: unknown): Promise<void> {
    const checked = checkPanelMessage('VncToExtension', raw);
    if (!checked.ok) {
      this.context.warn(checked.problem);
      return;
    }
    const message = checked.message;
    if (message.type === 'ready') await this.connect();
    else if (message.type === 'send') this.session?.write(message.data);
    else if (message.type === 'processed') this.acknowledge(message.bytes);
    else if (message.type === 'paste') await this.paste();
  }

  /** The panel closed: the host's stream closes with it. */
  dispose(): void {
    this.disposed = true;
    void this.session?.close();
    this.session = undefined;
  }

  private async connect(): Promise<void> {
    await this.session?.close();
    this.session = undefined;
    const { target } = this.context;
    try {
      const connection = this.context.connection();
      const domain = await findDomainName(connection, target.labName, target.vmName);
      const { password } = await connection.sendRequest(VmsVncCredentialsRequest.type, { vm: domain });
      const session = await ConsoleSession.open(connection, {
        key: { host: target.hostName, lab: target.labName, vm: target.vmName, kind: 'vnc' },
        domain,
        acknowledge: 'caller',
      });
      if (this.disposed) {
        await session.close();
        return;
      }
      this.session = session;
      this.posted = 0;
      this.processed = 0;
      this.context.post({ type: 'connect', target, password });
      session.attach({
        output: (data) => this.output(session, data),
        ended: (reason) => this.ended(session, reason),
        writeFailed: (reason) => this.context.warn(`Graphical console of ${target.vmName}: ${reason}`),
      });
    } catch (error) {
      this.context.post({ type: 'closed', reason: `The graphical console of ${target.vmName} did not open: ${messageOf(error)}` });
    }
  }

  private output(session: ConsoleSession, data: string): void {
    if (session !== this.session) return;
    for (const piece of base64Pieces(data, panelDataMaximumCharacters)) {
      this.posted += decodedLength(piece);
      this.context.post({ type: 'data', data: piece });
    }
  }

  private ended(session: ConsoleSession, reason: string): void {
    if (session !== this.session) return;
    this.session = undefined;
    this.context.post({ type: 'closed', reason });
  }

  private acknowledge(bytes: number): void {
    const allowed = Math.min(bytes, this.posted - this.processed);
    if (allowed < bytes) this.context.warn(`The graphical console panel said it processed ${bytes} bytes; only ${allowed} were waiting.`);
    if (allowed <= 0) return;
    this.processed += allowed;
    this.session?.processed(allowed);
  }

  private async paste(): Promise<void> {
    const text = await this.context.readClipboard();
    // The clipboard's text is never logged: it may be a password.
    if (text.length > pasteMaximumCharacters)
      this.context.post({
        type: 'problem',
        message: `Nothing was typed: the clipboard holds ${text.length} characters, and at most ${pasteMaximumCharacters} can be typed.`,
      });
    else if (text.length === 0) this.context.post({ type: 'problem', message: 'Nothing was typed: the clipboard holds no text.' });
    else this.context.post({ type: 'paste', text });
  }
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
