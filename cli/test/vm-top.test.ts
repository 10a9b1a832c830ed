// `vlm vm top` as a user runs it: the built vlm against a real vlm-host on libvirt's test driver,
// once for scripts (table and JSON), refreshing on a terminal until Ctrl-C, and bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { ensureBuilt } from './run-vlm';
import { runVlmAsync, startOnTerminal } from './running-vlm';

let fixture: HostFixture;
let hostArgument: string;
const vlm = (...commandLine: string[]) => runVlmAsync([...commandLine, '--host', hostArgument]);

before(async () => {
  ensureBuilt();
  fixture = await startHostFixture({ name: 'cli-top' });
  hostArgument = `unix:${fixture.socketPath}`;
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm vm top against vlm-host on the libvirt test driver', () => {
  it('prints one table of the running VMs, and the same as JSON', async () => {
    const table = await vlm('vm', 'top', '--once');
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.lines[0] ?? '', /^LAB +VM +STATE +CPU +MEMORY +DISK READ \/ WRITE +NET IN \/ OUT$/);
    // The test driver reports states only: every figure is a dash.
    assert.match(table.stdout, /^- +test +running +- +- +- \/ - +- \/ -$/m);
    const json = await vlm('vm', 'top', '--json');
    assert.equal(json.status, 0, json.stderr);
    const vms = JSON.parse(json.stdout).vms as Array<{ lab: string | null; vm: string; sample: { state: string; cpuPercent: null } }>;
    const test = vms.find((vm) => vm.vm === 'test');
    assert.equal(test?.lab, null);
    assert.equal(test?.sample.state, 'running');
    assert.equal(test?.sample.cpuPercent, null);
  });

  it('refreshes on a terminal until Ctrl-C, then exits 0', async () => {
    const terminal = startOnTerminal(['vm', 'top', '--host', hostArgument]);
    await terminal.waitFor(/(LAB +VM[\s\S]*){2}/);
    terminal.type('\u0003');
    const result = await terminal.finished;
    assert.equal(result.status, 0, result.output);
  });

  it('names an unknown lab, refuses a bad lab name and extra operands', async () => {
    const unknown = await vlm('vm', 'top', 'no-such-lab');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /There is no lab named "no-such-lab"/);
    const badName = await vlm('vm', 'top', '../Bad Lab');
    assert.equal(badName.status, 1);
    assert.match(badName.stderr, /lab/);
    const extra = await vlm('vm', 'top', 'one', 'two');
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /at most one lab/);
  });
});
