// Open consoles by key, and the words a console terminal shows: its title, and the lines for a
// console that ended or a write that failed. No `vscode` import: unit-tested.
import type { ConsoleKey } from '@vlm/host-client/src/console-session';

export function consoleKeyText(key: ConsoleKey): string {
  return JSON.stringify([key.host, key.lab, key.vm, key.kind]);
}

/** The terminal's name, e.g. "web-1 serial (lab-a on local)". */
export function consoleTitle(key: ConsoleKey): string {
  return `${key.vm} ${key.kind === 'ssh' ? 'SSH' : 'serial'} (${key.lab} on ${key.host})`;
}

/** Open consoles by key, so a second open reveals the first instead of adding another. */
export class ConsoleRegistry<T> {
  private readonly entries = new Map<string, T>();

  get(key: ConsoleKey): T | undefined {
    return this.entries.get(consoleKeyText(key));
  }

  set(key: ConsoleKey, value: T): void {
    this.entries.set(consoleKeyText(key), value);
  }

  /** Removes `key` only while it still maps to `value` (a newer console may have replaced it). */
  delete(key: ConsoleKey, value: T): void {
    if (this.entries.get(consoleKeyText(key)) === value) this.entries.delete(consoleKeyText(key));
  }

  values(): T[] {
    return [...this.entries.values()];
  }
}

/** The line a terminal shows when its console ends on its own; the host's reason is a sentence. */
export function endedLine(reason: string): string {
  const sentence = reason.trim().replace(/^./, (first) => first.toUpperCase());
  const ended = /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
  return `\r\n\x1b[33m[${ended} Close this terminal when done.]\x1b[0m\r\n`;
}

/** The line a terminal shows when typed text did not reach the console. */
export function writeFailedLine(reason: string): string {
  return `\r\n\x1b[33m[${reason.trim()}]\x1b[0m\r\n`;
}
