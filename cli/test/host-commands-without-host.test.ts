// The host commands as a user runs them, with no host service to reach: errors that say what to
// do, and arguments refused before connecting.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runVlm } from './run-vlm';

describe('vlm host commands without a host', () => {
  before(() => ensureBuilt());

  it('exits 3 with what to do when nothing listens on the socket', () => {
    const socket = join(tmpdir(), `vlm-cli-no-host-${process.pid}.sock`);
    const result = runVlm(['vm', 'list', '--host', `unix:${socket}`]);
    assert.equal(result.status, 3);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `vlm: no host service at unix:${socket}: the socket does not exist. Is vlm-host running? ` +
        `Start it with 'vlm-host --socket ${socket}' (or 'systemctl start vlm-host'), or point --host or VLM_HOST at the right socket.\n`,
    );
  });

  it('refuses a --host that is not unix:PATH, naming where it came from', () => {
    const option = runVlm(['lab', 'list', '--host', 'tcp://10.0.0.1:9000']);
    assert.equal(option.status, 2);
    assert.match(option.stderr, /^vlm: option --host must be unix:PATH, .*got 'tcp:\/\/10\.0\.0\.1:9000'/);
    const variable = runVlm(['lab', 'list'], { env: { ...process.env, VLM_HOST: '/run/vlm/vlm-host.sock' } });
    assert.equal(variable.status, 2);
    assert.match(variable.stderr, /^vlm: VLM_HOST must be unix:PATH/);
  });

  it('validates a lab file before connecting, so its errors show even without a host', async () => {
    const work = await mkdtemp(join(tmpdir(), 'vlm-cli-no-host-'));
    try {
      const broken = join(work, 'broken.lab.yaml');
      await writeFile(broken, 'name: Broken Lab\nvms: []\n');
      const expected = runVlm(['validate', broken]);
      const result = runVlm(['lab', 'up', broken, '--yes', '--host', 'unix:/nonexistent/vlm.sock']);
      assert.equal(result.status, 1);
      assert.ok(expected.lines.length > 0);
      assert.equal(result.stderr.split('\n').slice(0, expected.lines.length).join('\n'), expected.lines.join('\n'));
      assert.doesNotMatch(result.stderr, /no host service/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses hostile VM and lab names before connecting, naming the argument', () => {
    const unreachable = 'unix:/nonexistent/vlm.sock';
    const substitution = runVlm(['vm', 'start', "'$(x)'", '--host', unreachable]);
    assert.equal(substitution.status, 2);
    assert.match(substitution.stderr, /^vlm: argument VM "'\$\(x\)'" is neither LAB\/VM nor a domain name/);
    const traversal = runVlm(['vm', 'stop', '../a', '--host', unreachable]);
    assert.equal(traversal.status, 2);
    assert.match(traversal.stderr, /^vlm: argument VM "\.\.\/a": the lab part '\.\.' is not a lab name: lowercase letters/);
    const console = runVlm(['console', 'lab/$(x)', '--host', unreachable]);
    assert.equal(console.status, 2);
    assert.match(console.stderr, /^vlm: argument VM "lab\/\$\(x\)": the VM part '\$\(x\)' is not a VM name/);
    const lab = runVlm(['lab', 'down', '../etc', '--yes', '--host', unreachable]);
    assert.equal(lab.status, 2);
    assert.match(lab.stderr, /^vlm: argument NAME "\.\.\/etc" is not a lab name/);
  });
});
