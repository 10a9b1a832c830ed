// A JSON-RPC message as it goes on the wire, for tests that write raw bytes to the host's socket.

/** `body` behind its Content-Length header (a byte count; the header is ASCII). */
export function frame(body: string): Buffer {
  return Buffer.concat([Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`, 'ascii'), Buffer.from(body)]);
}

/** A request: `frame` of its JSON. */
export function frameRequest(id: number | string, method: string, params: object): Buffer {
  return frame(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
}
