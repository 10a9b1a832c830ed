// Messages about VM consoles: open, write, resize, close, acknowledge output; output and closed
// notifications; and the limits a client must respect.
import { notification, request } from './message-types';
import type { ConsoleAckParams, ConsoleCloseParams, ConsoleOpenParams, ConsoleResizeParams, ConsoleWriteParams } from './shapes';

/**
 * Attaches to a running VM's serial console, or opens a root shell over its forwarded SSH port
 * (kind 'ssh': the service key; the guest's host key is pinned on the first connect and a changed
 * key is refused with InvalidState). Output arrives as ConsoleOutputNotification; the console
 * belongs to this connection and is closed with it; ConsoleClosedNotification says why it ended.
 */
export namespace ConsolesOpenRequest {
  export const method = 'vlm/consoles/open' as const;
  export const type = request<ConsoleOpenParams, { consoleId: string }>(method);
}
export namespace ConsolesWriteRequest {
  export const method = 'vlm/consoles/write' as const;
  export const type = request<ConsoleWriteParams, { written: number }>(method);
}
/** Sets an SSH console's window size; a serial line has none to pass on, so it is accepted and ignored. */
export namespace ConsolesResizeRequest {
  export const method = 'vlm/consoles/resize' as const;
  export const type = request<ConsoleResizeParams, Record<string, never>>(method);
}
export namespace ConsolesCloseRequest {
  export const method = 'vlm/consoles/close' as const;
  export const type = request<ConsoleCloseParams, Record<string, never>>(method);
}
/**
 * A console write is answered within this long: written, or an error saying why not (the VM is
 * paused, the guest does not read, the console is gone). What was not written by then is dropped.
 */
export const consoleWriteDeadlineMs = 5_000;
/** Characters one write may carry (ConsoleWriteParams.data's maxLength in host-protocol.schema.json). */
export const consoleWriteMaximumCharacters = 65_536;
/** Bytes of writes that may wait per console; a write past it is refused at once. */
export const consoleWriteQueueBytes = 256 * 1024;
/** Bytes of unacknowledged output after which a flow-controlled console stops reading its source. */
export const consoleWindowBytes = 256 * 1024;
/** Output processed by the client of a console opened with flowControl (a no-op for others). */
export namespace ConsolesAckRequest {
  export const method = 'vlm/consoles/ack' as const;
  export const type = request<ConsoleAckParams, Record<string, never>>(method);
}
/** Output of an open console, host → client. `bytes`: how many bytes of the source's output `data` decodes. */
export namespace ConsoleOutputNotification {
  export const method = 'vlm/consoles/output' as const;
  export const type = notification<{ consoleId: string; data: string; bytes: number }>(method);
}
/** The console ended without the client closing it (the VM stopped, say), host → client. */
export namespace ConsoleClosedNotification {
  export const method = 'vlm/consoles/closed' as const;
  export const type = notification<{ consoleId: string; reason: string }>(method);
}
