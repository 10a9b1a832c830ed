// What the console manager needs from one kind of console (serial pty, SSH shell, VNC display): a byte
// stream in both directions that can be paused, resized and closed.

export interface ConsoleSourceEvents {
  data(chunk: Buffer): void;
  /** The source ended by itself (VM stopped, connection lost); `reason` is for the user. */
  end(reason: string): void;
}

export interface ConsoleSource {
  /** 'vnc' is binary (RFB): its bytes travel as base64; the others are text, sent as UTF-8. */
  readonly kind: 'serial' | 'ssh' | 'vnc';
  /** Starts delivering events; called once, after the manager has registered the console. */
  start(events: ConsoleSourceEvents): void;
  /**
   * Writes `bytes` and resolves with how many were written: all of them, or fewer when `signal`
   * aborted first (the rest is dropped, never written later). Rejects when the source is gone.
   */
  write(bytes: Buffer, signal: AbortSignal): Promise<number>;
  /** Bytes accepted by an earlier write that still wait inside the source (not ours to drop). */
  bufferedBytes(): number;
  resize(columns: number, rows: number): void;
  /** Stop reading from the source (flow control): the VM's output backs up there, not in our memory. */
  pause(): void;
  resume(): void;
  /** Releases every descriptor the source holds; no events after it. */
  close(): void;
}
