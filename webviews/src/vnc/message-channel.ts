// The WebSocket-like channel noVNC's RFB speaks over in the graphical console panel. A webview may
// open no socket (its CSP has default-src 'none'), so RFB's bytes go to the extension as base64
// messages, which relays them over the host connection to the VM's display, and back.
import { base64FromBytes, bytesFromBase64 } from './base64-bytes';

/** Bytes of one 'send' message: base64 of it fits the message's 65,536 characters. */
export const sendPieceBytes = 48 * 1024;

type ReadyState = 'connecting' | 'open' | 'closed';

export interface ChannelMessages {
  send(data: string): void;
  processed(bytes: number): void;
}

/**
 * RFB reads these properties (it checks that each exists) and sets the handlers. `binaryType` is
 * always arraybuffer: messages carry ArrayBuffers, as a WebSocket with that type would.
 */
export class MessageChannel {
  binaryType = 'arraybuffer';
  readonly protocol = '';
  readyState: ReadyState = 'connecting';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(private readonly messages: ChannelMessages) {}

  /** The display's stream is open: RFB starts its handshake. */
  opened(): void {
    if (this.readyState !== 'connecting') return;
    this.readyState = 'open';
    this.onopen?.({});
  }

  /** Bytes from the display, base64; told back as processed once RFB has them. */
  receive(data: string): void {
    if (this.readyState !== 'open') return;
    const bytes = bytesFromBase64(data);
    this.onmessage?.({ data: bytes.buffer as ArrayBuffer });
    this.messages.processed(bytes.length);
  }

  send(data: ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') return;
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let start = 0; start < bytes.length; start += sendPieceBytes) {
      this.messages.send(base64FromBytes(bytes.subarray(start, start + sendPieceBytes)));
    }
  }

  /** RFB closed it (disconnect), or the stream ended: `reason` in words. */
  close(reason = 'The console was disconnected.'): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.({ code: 1000, reason, wasClean: true });
  }
}
