// Client side of console flow control, used by host-client's console session (so by the
// extension's consoles; `vlm console` opens without flow control) and the host's console tests.
// Open the console with `flowControl: true`, then call `processed(bytes)` with each output
// notification's `bytes` once that output is shown (written to the terminal, not just received):
// the host keeps at most consoleWindowBytes unacknowledged, so a slow terminal slows the VM's
// output instead of filling the host's memory.
import { consoleWindowBytes } from './host-protocol';

export class ConsoleOutputAcknowledger {
  private total = 0;
  private acknowledged = 0;

  /**
   * @param send sends vlm/consoles/ack with the running total (fire and forget; a failed send
   *   only means the console is gone).
   * @param every acknowledge after this many new bytes; a quarter of the window keeps the host
   *   reading while acknowledgements travel.
   */
  constructor(
    private readonly send: (totalBytes: number) => void,
    private readonly every = consoleWindowBytes / 4,
  ) {
    if (!(every > 0 && every <= consoleWindowBytes))
      throw new RangeError(`every must be from 1 to ${consoleWindowBytes} bytes, not ${every}.`);
  }

  /** Output of `bytes` bytes has been shown to the user. */
  processed(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be a whole number, not ${bytes}.`);
    this.total += bytes;
    if (this.total - this.acknowledged >= this.every) this.flush();
  }

  /** Acknowledges everything processed so far, e.g. when the terminal goes idle. */
  flush(): void {
    if (this.total === this.acknowledged) return;
    this.acknowledged = this.total;
    this.send(this.total);
  }

  get processedBytes(): number {
    return this.total;
  }
}
