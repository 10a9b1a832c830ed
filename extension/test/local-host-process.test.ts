import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostClient, openHostClient } from '@vlm/host-client/src/connection';
import { sendHostRequest } from '@vlm/host-client/src/host-requests';
import { anotherServiceExitCode } from '@vlm/schemas/src/host-exit-codes';
import { VmsListRequest } from '@vlm/schemas/src/host-protocol';
import { socketAnswers } from '@vlm/schemas/src/socket-probe';
import { inspectorArguments, localDataFolder, localHostArguments, LocalHostProcess, useLocalHost } from '../src/local-host-process';
import { startLibvirtTestEnvironment } from '../../host-service/local-libvirt/libvirt-environment';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';

const repositoryRoot = join(__dirname, '..', '..');

test('simulated hosts keep data in VS Code storage; QEMU disks go where the QEMU user of libvirt can reach them', () => {
  assert.equal(localDataFolder('test', '/storage', {}, 1000), '/storage/data');
  assert.equal(localDataFolder('qemu', '/storage', {}, 0), '/var/lib/vlm/vscode-local-host');
  assert.equal(localDataFolder('qemu', '/storage', {}, 1000), '/var/tmp/vlm-local-host-1000');
  assert.equal(localDataFolder('qemu', '/storage', { VLM_HOST_DATA_DIR: '/d' }, 0), '/d');
});

test('the service gets its socket and data folder in the storage folder, and the bus when given', () => {
  const { socketPath, args } = localHostArguments({
    serverPath: '/x/vlm-host.js',
    storageFolder: '/s',
    dataFolder: '/s/data',
    driver: 'test',
    busAddress: 'unix:path=/b',
  });
  assert.equal(socketPath, '/s/vlm-host.sock');
  assert.deepEqual(args, [
    '/x/vlm-host.js',
    '--socket',
    '/s/vlm-host.sock',
    '--data-dir',
    '/s/data',
    '--libvirt',
    'test',
    '--bus-address',
    'unix:path=/b',
    '--stop-when-stdin-closes',
  ]);
});

test('a service that exits before listening fails with its reason and output', async (context) => {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-local-'));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const server = join(folder, 'broken-host.js');
  writeFileSync(server, "console.error('cannot reach libvirt-dbus'); process.exit(5);\n");
  chmodSync(server, 0o644);
  const lines: string[] = [];
  const service = new LocalHostProcess({
    serverPath: server,
    storageFolder: folder,
    dataFolder: join(folder, 'data'),
    driver: 'test',
    busAddress: '',
    output: (line) => lines.push(line),
  });
  // The reason ends with the service's last stderr line: what the Hosts view shows a first-time user.
  await assert.rejects(service.ready(10_000), /exited with code 5 before it listened on .*: cannot reach libvirt-dbus\. See/);
  assert.deepEqual(lines, ['cannot reach libvirt-dbus']);
  assert.equal(existsSync(join(folder, 'data', 'vlm-host.pid')), false, 'no pid file outlives the service');
});

/** Starts the service from a process of its own, as the extension host does, and a way to kill that process. */
async function serviceOfKilledOwner(context: {
  after: (fn: () => Promise<void> | void) => void;
}): Promise<{ socketPath: string; alive: () => boolean; killOwner: () => Promise<void> }> {
  const environment = await startLibvirtTestEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'vlm-local-owner-'));
  let servicePid: number | undefined;
  context.after(async () => {
    // A service that failed the test is still ours to end, with its process group.
    if (servicePid !== undefined) {
      try {
        process.kill(-servicePid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
    await environment.stop();
    rmSync(folder, { recursive: true, force: true });
  });
  const serverPath = join(repositoryRoot, 'host-service', 'dist', 'vlm-host.js');
  assert.ok(existsSync(serverPath), `${serverPath} is built by node scripts/build.mjs`);
  // The extension host's part, in a process of its own: it starts the service, then is killed.
  const owner = `
    const { LocalHostProcess } = require(${JSON.stringify(join(repositoryRoot, 'extension', 'src', 'local-host-process.ts'))});
    const service = new LocalHostProcess(${JSON.stringify({ serverPath, storageFolder: folder, dataFolder: join(folder, 'data'), driver: 'test', busAddress: environment.busAddress })}, );
    service.ready(60000).then(() => console.log('ready'));
  `.replace('}, )', ', output: () => undefined })');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', owner], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitUntil('the service to be ready', () => output.includes('ready\n'), 60_000);
  // The pid file the service's starter writes for whoever must end a service that outlived it.
  const pid = Number(readFileSync(join(folder, 'data', 'vlm-host.pid'), 'utf8'));
  servicePid = pid;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(alive());
  const killOwner = async () => {
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  return { socketPath: join(folder, 'vlm-host.sock'), alive, killOwner };
}

/** The VMs a client lists; fails, instead of waiting for ever, if the service closes the connection. */
async function listedVms(client: HostClient): Promise<unknown[]> {
  const closed = client.closed.then((): never => {
    throw new Error('the service closed the connection');
  });
  return (await sendHostRequest(client.connection, VmsListRequest.type, {}, { closed })).vms;
}

test('the service shuts down when the process that started it is killed, so it never outlives VS Code', async (context) => {
  const { socketPath, alive, killOwner } = await serviceOfKilledOwner(context);
  await killOwner();
  await waitUntil('the service to exit after its owner was killed', () => !alive(), 30_000);
  assert.equal(existsSync(socketPath), false, 'it shut down cleanly and removed its socket');
});

test('a service whose owner is killed serves the window still connected, its log going nowhere, then stops', async (context) => {
  const { socketPath, alive, killOwner } = await serviceOfKilledOwner(context);
  const client = await openHostClient(socketPath);
  context.after(() => client.dispose());
  await killOwner();
  // Its stdout and stderr were pipes to the dead owner: every line it logs from now on fails to
  // write, and a crash on one would leave its socket behind.
  assert.ok((await listedVms(client)).length > 0, 'it still answers');
  assert.ok(alive());
  client.dispose();
  await waitUntil('the service to exit once its last client left', () => !alive(), 30_000);
  assert.equal(existsSync(socketPath), false, 'it shut down cleanly and removed its socket');
});

test('the host inspector is opt-in, on 127.0.0.1, and refused for a root service', (context) => {
  assert.deepEqual(inspectorArguments({}, 0), []);
  assert.deepEqual(inspectorArguments({ VLM_HOST_INSPECT: '9230' }, 1000), ['--inspect=127.0.0.1:9230']);
  assert.throws(
    () => inspectorArguments({ VLM_HOST_INSPECT: '9230' }, 0),
    /would run as root: its inspector listens on a TCP port that any local user could attach to/,
  );
  for (const bad of ['0.0.0.0:9230', '80', '99999', '9230 --require=x']) {
    assert.throws(() => inspectorArguments({ VLM_HOST_INSPECT: bad }, 1000), /VLM_HOST_INSPECT must be a port number/);
  }
  // As root (these tests are), the service is not started at all with the variable set.
  if (process.getuid?.() !== 0) return;
  const folder = mkdtempSync(join(tmpdir(), 'vlm-inspect-'));
  context.after(() => rmSync(folder, { recursive: true, force: true }));
  const previous = process.env.VLM_HOST_INSPECT;
  process.env.VLM_HOST_INSPECT = '9230';
  context.after(() => {
    if (previous === undefined) delete process.env.VLM_HOST_INSPECT;
    else process.env.VLM_HOST_INSPECT = previous;
  });
  assert.throws(
    () =>
      new LocalHostProcess({
        serverPath: join(folder, 'vlm-host.js'),
        storageFolder: folder,
        dataFolder: join(folder, 'data'),
        driver: 'test',
        busAddress: '',
        output: () => undefined,
      }),
    /would run as root/,
  );
  assert.equal(existsSync(join(folder, 'data')), false, 'nothing was made');
});

/** Options of the real vlm-host on a test libvirt, in a fresh storage folder removed after the test. */
async function sharedHostFixture(context: { after: (fn: () => Promise<void> | void) => void }) {
  const environment = await startLibvirtTestEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'vlm-local-shared-'));
  const serverPath = join(repositoryRoot, 'host-service', 'dist', 'vlm-host.js');
  assert.ok(existsSync(serverPath), `${serverPath} is built by node scripts/build.mjs`);
  const services: LocalHostProcess[] = [];
  context.after(async () => {
    for (const service of services) await service.stop();
    await environment.stop();
    rmSync(folder, { recursive: true, force: true });
  });
  const options = {
    serverPath,
    storageFolder: folder,
    dataFolder: join(folder, 'data'),
    driver: 'test' as const,
    busAddress: environment.busAddress,
    output: () => undefined,
  };
  const pidFile = join(folder, 'data', 'vlm-host.pid');
  return { options, services, pidFile, socketPath: join(folder, 'vlm-host.sock') };
}

// Windows of one VS Code share its global storage: the socket and the data folder.
test('a second window uses the service the first one runs, and starts its own once that one has stopped', async (context) => {
  const { options, services, pidFile, socketPath } = await sharedHostFixture(context);
  const first = await useLocalHost(undefined, options, 60_000);
  assert.ok(first.own, 'the first window started a service');
  services.push(first.own);
  const pid = readFileSync(pidFile, 'utf8');

  const second = await useLocalHost(undefined, options, 60_000);
  assert.equal(second.own, undefined, 'the second window started none');
  assert.equal(second.socketPath, first.socketPath);
  assert.equal(readFileSync(pidFile, 'utf8'), pid, 'the pid file still names the running service');

  // The service ends (it crashed, or was stopped): the other window's next connection starts one of its own.
  await first.own.stop();
  assert.equal(await socketAnswers(socketPath), false);
  const again = await useLocalHost(second.own, options, 60_000);
  assert.ok(again.own, 'a new service was started');
  services.push(again.own);
  assert.equal(await socketAnswers(socketPath), true);
  assert.notEqual(readFileSync(pidFile, 'utf8'), pid, 'the pid file names the new service');
});

test('a service started beside a running one exits with its own code and touches neither its socket nor its pid file', async (context) => {
  const { options, services, pidFile, socketPath } = await sharedHostFixture(context);
  const first = await useLocalHost(undefined, options, 60_000);
  assert.ok(first.own);
  services.push(first.own);
  const pid = readFileSync(pidFile, 'utf8');
  const lines: string[] = [];
  const late = new LocalHostProcess({ ...options, output: (line) => lines.push(line) });
  services.push(late);
  await assert.rejects(late.ready(60_000), /before it listened on .*: Another vlm-host \(pid \d+\) is using the data directory/);
  assert.equal(late.exitCode, anotherServiceExitCode);
  assert.equal(await socketAnswers(socketPath), true, 'the running service still answers on its socket');
  assert.equal(readFileSync(pidFile, 'utf8'), pid, 'the pid file still names the running service');
});

test('two windows starting at once end up on one service', async (context) => {
  const { options, services, pidFile, socketPath } = await sharedHostFixture(context);
  const uses = await Promise.all([useLocalHost(undefined, options, 60_000), useLocalHost(undefined, options, 60_000)]);
  const own = uses.flatMap((use) => (use.own ? [use.own] : []));
  services.push(...own);
  assert.equal(own.length, 1, 'one window runs the service, the other uses it');
  assert.deepEqual(
    uses.map((use) => use.socketPath),
    [socketPath, socketPath],
  );
  assert.equal(await socketAnswers(socketPath), true);
  assert.ok(existsSync(pidFile), 'the running service has its pid file');
});

test('a window that closes while another is connected leaves the service to that one, and it stops once that one leaves', async (context) => {
  const { options, services, socketPath } = await sharedHostFixture(context);
  const first = await useLocalHost(undefined, options, 60_000);
  assert.ok(first.own);
  services.push(first.own);
  const second = await useLocalHost(undefined, options, 60_000);
  assert.equal(second.own, undefined);
  const firstClient = await openHostClient(first.socketPath);
  const secondClient = await openHostClient(second.socketPath);
  context.after(() => secondClient.dispose());

  // The first window closes: its connection, then the service's stdin.
  firstClient.dispose();
  first.own.release();
  assert.ok((await listedVms(secondClient)).length > 0, 'the second window still lists VMs');
  assert.equal(first.own.exitReason, undefined, 'the service still runs');
  // A third window arriving now uses it too, and leaving does not stop it.
  const third = await useLocalHost(undefined, options, 60_000);
  assert.equal(third.own, undefined);
  const thirdClient = await openHostClient(third.socketPath);
  thirdClient.dispose();
  assert.ok((await listedVms(secondClient)).length > 0);

  // The last window leaves: the service shuts down cleanly by itself.
  secondClient.dispose();
  assert.equal(await first.own.exited, 'vlm-host exited with code 0');
  assert.equal(existsSync(socketPath), false, 'it removed its socket');
});

test('a window that closes while no other is connected takes the service with it', async (context) => {
  const { options, services, socketPath, pidFile } = await sharedHostFixture(context);
  const use = await useLocalHost(undefined, options, 60_000);
  assert.ok(use.own);
  services.push(use.own);
  const client = await openHostClient(use.socketPath);
  client.dispose();
  use.own.release();
  assert.equal(await use.own.exited, 'vlm-host exited with code 0');
  assert.equal(existsSync(socketPath), false);
  assert.equal(existsSync(pidFile), false, 'no pid file outlives the service');
});
