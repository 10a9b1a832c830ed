import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHostSocket } from '../src/connection';

test('a missing socket means the host service is not running, and says where it looked', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-extension-'));
  try {
    const path = join(folder, 'host.sock');
    await assert.rejects(openHostSocket(path), (error: Error) => {
      assert.equal(error.message, `The host service is not running: there is no socket at ${path}.`);
      return true;
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a listening socket connects', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-extension-'));
  const path = join(folder, 'host.sock');
  const server = createServer((connection) => connection.end());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    const socket = await openHostSocket(path);
    assert.equal(socket.destroyed, false);
    socket.destroy();
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  }
});
