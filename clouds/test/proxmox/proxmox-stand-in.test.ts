// The Proxmox stand-in run as a program, as an end-to-end test or a demo in another process
// starts it: it prints where it listens and how to log in, serves, and on SIGTERM closes and
// removes its CA file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';

describe('The Proxmox stand-in as a program', { timeout: 60_000 }, () => {
  test('prints its URL, CA file and credentials, serves them, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'clouds/test/stand-ins/proxmox-server.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const started = JSON.parse(line) as {
        url: string;
        caFile: string;
        tokenId: string;
        tokenSecret: string;
        username: string;
        password: string;
      };
      assert.match(started.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(started.tokenId, 'root@pam!vlm');
      const nodes = await new Promise<string>((resolve, reject) => {
        const headers = { Authorization: `PVEAPIToken=${started.tokenId}=${started.tokenSecret}` };
        const outgoing = request(`${started.url}/api2/json/nodes`, { headers, ca: readFileSync(started.caFile) }, (incoming) => {
          let text = '';
          incoming.on('data', (chunk) => {
            text += chunk;
          });
          incoming.on('end', () => resolve(text));
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
      assert.deepEqual(
        (JSON.parse(nodes).data as Array<{ node: string }>).map((row) => row.node),
        ['pve1', 'pve2'],
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
      assert.equal(existsSync(started.caFile), false, 'the CA file is removed');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
