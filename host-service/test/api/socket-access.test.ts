// Who may use the host API socket: by default only the user vlm-host runs as (mode 0600); with
// --socket-group NAME, members of that group too (mode 0660, group NAME), and nobody else. Other
// users are played by `nobody` through setpriv, with and without the group.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { requireCommand } from '../../local-libvirt/require-command';
import { startHostFixture, type HostFixture } from '../support/host-fixture';
import { HostInfoRequest } from '@vlm/schemas/src/host-protocol';

/** A group every Debian system has (base-passwd) and `nobody` is not in. */
const group = 'users';

/** Asks the socket for host info as `nobody`, optionally with `extraGroup`; says what happened. */
function hostInfoAsNobody(socketPath: string, extraGroup?: number): { code: number | null; output: string } {
  const client = `
    const socket = require('node:net').connect(process.argv[1]);
    socket.on('error', (error) => { console.log('error ' + error.code); process.exit(3); });
    socket.on('connect', () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'vlm/host/info', params: {} });
      socket.write('Content-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    });
    let text = '';
    socket.on('data', (chunk) => { text += chunk; if (text.includes('"protocolVersion"')) { console.log('answered'); process.exit(0); } });`;
  const groups = extraGroup === undefined ? ['--clear-groups'] : [`--groups=${extraGroup}`];
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', ...groups, process.execPath, '-e', client, socketPath], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('who may use the host API socket', () => {
  let fixture: HostFixture;
  let gid: number;

  before(async () => {
    requireCommand('setpriv', 'util-linux');
    const found = spawnSync('getent', ['group', group], { encoding: 'utf8' });
    assert.equal(found.status, 0, `the group ${group} is missing: it comes with Debian's base-passwd`);
    gid = Number(found.stdout.split(':')[2]);
    // nobody may pass through to the socket folders; what it may do there is the test.
    fixture = await startHostFixture({ name: 'socket-access', folderMode: 0o711, startHost: false });
  });

  after(async () => {
    await fixture?.dispose();
  });

  test('by default the socket and its folder are the service user’s alone: nobody cannot connect', async () => {
    const socketPath = join(fixture.folder, 'private', 'vlm-host.sock');
    await fixture.startHost({ socketPath, dataDirectory: join(fixture.folder, 'private-data') });
    const info = await stat(socketPath);
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(info.uid, process.getuid?.());
    assert.equal((await stat(join(fixture.folder, 'private'))).mode & 0o777, 0o700);
    const owner = await fixture.connect(socketPath);
    assert.equal((await owner.sendRequest(HostInfoRequest.type, {})).driver, 'test');
    owner.close();
    assert.deepEqual(hostInfoAsNobody(socketPath, gid), { code: 3, output: 'error EACCES' });
  });

  test(`--socket-group ${group}: mode 0660 and that group; a member connects, nobody outside it cannot`, async () => {
    const socketPath = join(fixture.folder, 'shared', 'vlm-host.sock');
    const host = await fixture.startHost({
      socketPath,
      dataDirectory: join(fixture.folder, 'shared-data'),
      extraArguments: ['--socket-group', group],
    });
    assert.match(host.stdout, new RegExp(`socket ${socketPath} \\(group ${group}\\)`));
    const info = await stat(socketPath);
    assert.equal(info.mode & 0o777, 0o660);
    assert.equal(info.gid, gid);
    const folder = await stat(join(fixture.folder, 'shared'));
    assert.equal(folder.mode & 0o777, 0o750);
    assert.equal(folder.gid, gid);
    assert.deepEqual(hostInfoAsNobody(socketPath, gid), { code: 0, output: 'answered' });
    assert.deepEqual(hostInfoAsNobody(socketPath), { code: 3, output: 'error EACCES' });
  });

  test('a group that does not exist, or is no group name, stops vlm-host before it listens, saying why', async () => {
    const run = (name: string) => {
      const socketPath = join(fixture.folder, 'refused', 'vlm-host.sock');
      const result = spawnSync(
        process.execPath,
        [
          fixture.bundle,
          '--socket',
          socketPath,
          '--socket-group',
          name,
          '--data-dir',
          join(fixture.folder, 'refused-data'),
          '--libvirt',
          'test',
          '--bus-address',
          fixture.busAddress,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(spawnSync('test', ['-e', socketPath]).status, 1, 'no socket was made');
      return { code: result.status, stderr: result.stderr };
    };
    const missing = run('vlm-no-such-group');
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /--socket-group: there is no group named "vlm-no-such-group" on this host\. Create it \(groupadd vlm-no-such-group\)/,
    );
    for (const hostile of ['../etc', '-x', 'root;id', 'a b', 'x'.repeat(40), 'Users']) {
      const refused = run(hostile);
      assert.equal(refused.code, 1, hostile);
      assert.match(refused.stderr, /--socket-group: ".*" is not a group name \(lowercase letters, digits/, hostile);
    }
  });
});
