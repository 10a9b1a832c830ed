// The parts of dbus-next's reader (no types of their own) that dbus-replies.ts hands messages to.
declare module 'dbus-next/lib/message' {
  /** Reads messages from `stream` on each 'readable' event and passes each, decoded, to `onMessage`. */
  export function unmarshalMessages(
    stream: import('node:events').EventEmitter & { read(size: number): unknown },
    onMessage: (message: Record<string, unknown>) => void,
    options: object,
  ): void;
}

declare module 'dbus-next/lib/marshall-compat' {
  /** Turns a decoded message's body into the values dbus-next's Message carries. */
  export function messageToJsFmt(message: Record<string, unknown>): Record<string, unknown>;
}
