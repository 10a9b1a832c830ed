// `vlm cloud secret set` on a real terminal (util-linux `script`): the value typed is not shown,
// and what is stored is exactly what was typed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SecretFile, secretFileLocations } from '../../clouds/src/secret-file';
import { type CloudHome, makeCloudHome } from './cloud-environment';
import { startOnTerminal } from './running-vlm';
import { ensureBuilt } from './run-vlm';

const typed = 'typed-canary-7d1e5f';
let home: CloudHome;
const saved = { ...process.env };

before(async () => {
  ensureBuilt();
  home = await makeCloudHome();
  await home.writeAccounts([{ id: 'prod', provider: 'aws', settings: { credentials: 'accessKey' } }]);
  // The terminal's vlm inherits this process's environment: point it at the test's files.
  Object.assign(process.env, home.environment);
});
after(async () => {
  for (const name of Object.keys(home.environment)) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await home.remove();
});

describe('vlm cloud secret set on a terminal', () => {
  it('asks without echoing what is typed, and stores it', async () => {
    const terminal = startOnTerminal(['cloud', 'secret', 'set', 'prod', 'secretAccessKey']);
    await terminal.waitFor(/Value of secretAccessKey \(not shown\): $/);
    terminal.type(`${typed}x\u007f\r`);
    const { status, output } = await terminal.finished;
    assert.equal(status, 0, output);
    assert.match(output, /Stored secretAccessKey of account prod, encrypted, in /);
    assert.ok(!output.includes(typed.slice(0, 6)), `the terminal showed the value: ${output}`);
    const stored = new SecretFile(secretFileLocations(home.environment));
    assert.equal(await stored.get('prod', 'secretAccessKey'), typed);
  });

  it('stores nothing when Ctrl-C is typed, exit 130', async () => {
    const terminal = startOnTerminal(['cloud', 'secret', 'set', 'prod', 'accessKeyId']);
    await terminal.waitFor(/Value of accessKeyId \(not shown\): $/);
    terminal.type('AKIA\u0003');
    const { status, output } = await terminal.finished;
    assert.equal(status, 130, output);
    assert.match(output, /vlm: cancelled; nothing was stored\./);
    assert.deepEqual(await new SecretFile(secretFileLocations(home.environment)).keysOf('prod'), ['secretAccessKey']);
  });
});
