// The CLI checks the host's protocol version before any command, as the extension does: a host
// of another version is refused with what to do, and nothing else is asked of it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostProtocolVersion } from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { ensureBuilt, repositoryRoot, runVlm } from './run-vlm';

/** A stand-in service in its own process (runVlm blocks this one): it answers host/info with version 999 and logs every method asked. */
const standInService = `
const { createServer } = require('node:net');
const rpc = require('vscode-jsonrpc/node');
createServer((socket) => {
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(socket), new rpc.StreamMessageWriter(socket));
  connection.onRequest((method) => {
    console.log('asked ' + method);
    if (method !== 'vlm/host/info') throw new Error('not expected');
    return {
      protocolVersion: 999, service: { version: '9', pid: 1, startedAt: '' }, hostname: 'h', libvirtVersion: '', hypervisorVersion: '',
      driver: 'test', cpus: 1, memoryBytes: 1, virtualization: 'test', warnings: [],
    };
  });
  connection.listen();
}).listen(process.argv[1], () => console.log('listening'));
`;

describe('vlm against a host of another protocol version', () => {
  let folder: string;
  let service: ChildProcess;
  let output = '';

  before(async () => {
    ensureBuilt();
    folder = await mkdtemp(join(tmpdir(), 'vlm-cli-version-'));
    service = spawn(process.execPath, ['-e', standInService, join(folder, 'host.sock')], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    service.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await waitUntil('the stand-in service to listen', () => output.includes('listening'), 10_000);
  });

  after(async () => {
    if (service.exitCode === null) {
      service.kill('SIGTERM');
      await once(service, 'exit');
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('exits 3 saying which versions differ, and sends nothing else', async () => {
    const socket = join(folder, 'host.sock');
    const result = runVlm(['lab', 'list', '--host', `unix:${socket}`]);
    assert.equal(result.status, 3, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `vlm: The host service at unix:${socket} speaks protocol version 999; this vlm speaks ${hostProtocolVersion}. Update the one that is older.\n`,
    );
    // The stand-in's log arrives once this process runs again after runVlm.
    await waitUntil('the stand-in to log the request', () => output.includes('asked '), 10_000);
    assert.deepEqual(
      output.split('\n').filter((line) => line.startsWith('asked ')),
      ['asked vlm/host/info'],
    );
  });
});
