// Writes each JSON-RPC message to the socket as one write, header and body together. The library's
// stream writer makes two writes per message and waits for the first to flush before the second:
// for console output (a notification per SSH packet) that was two system calls and a round of
// promises per packet, the largest part of the host's CPU per megabyte after SSH decryption.
import type { Socket } from 'node:net';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';

export class FramedMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errorCount = 0;

  constructor(private readonly socket: Socket) {
    super();
    socket.on('error', (error) => this.fireError(error));
    socket.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const body = JSON.stringify(message);
    // Content-Length counts bytes (UTF-8), the header is ASCII: one string, one write, in order.
    const frame = `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      this.socket.write(frame, 'utf8', (error) => {
        if (!error) {
          resolve();
          return;
        }
        this.errorCount += 1;
        this.fireError(error, message, this.errorCount);
        reject(error);
      });
    });
  }

  end(): void {
    this.socket.end();
  }
}
