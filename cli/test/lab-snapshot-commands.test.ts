// The lab snapshot commands as a user runs them: the built `vlm` as a real process against a real
// vlm-host on libvirt's test driver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { ensureBuilt, repositoryRoot } from './run-vlm';
import { runVlmAsync } from './running-vlm';

const tinyPair = join(repositoryRoot, 'schemas', 'examples', 'tiny-pair.lab.yaml');

let fixture: HostFixture;
let hostArgument: string;
const vlm = (...commandLine: string[]) => runVlmAsync([...commandLine, '--host', hostArgument]);

before(async () => {
  ensureBuilt();
  fixture = await startHostFixture({ name: 'cli-lab-snapshots' });
  hostArgument = `unix:${fixture.socketPath}`;
  const up = await vlm('lab', 'up', tinyPair, '--yes');
  assert.equal(up.status, 0, up.stderr);
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm lab snapshot, snapshots, revert and delete-snapshot', () => {
  it('takes a lab snapshot, lists it, reverts to it with --yes, and deletes it', async () => {
    const taken = await vlm('lab', 'snapshot', 'tiny-pair', 'base', '--description', 'fresh install');
    assert.equal(taken.status, 0, taken.stderr);
    assert.match(taken.stdout, /^Lab tiny-pair snapshot base is taken \(2 VMs, all paused while it was taken\)\.$/m);
    assert.match(taken.stdout, /^alpha +tiny-pair\.alpha +snapshot-taken +running$/m);
    assert.match(taken.stdout, /^beta +tiny-pair\.beta +snapshot-taken +running$/m);

    const listed = await vlm('lab', 'snapshots', 'tiny-pair');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.lines[0] ?? '', /^NAME +CREATED +VMS +MISSING +DESCRIPTION$/);
    assert.match(listed.stdout, /^base +\d{4}-\d\d-\d\dT\S+ +alpha,beta +- +fresh install$/m);
    const json = JSON.parse((await vlm('lab', 'snapshots', 'tiny-pair', '--json')).stdout);
    assert.deepEqual(
      json.snapshots.map((snapshot: { name: string; members: { vm: string }[] }) => [
        snapshot.name,
        snapshot.members.map((member) => member.vm),
      ]),
      [['base', ['alpha', 'beta']]],
    );

    const refused = await vlm('lab', 'revert', 'tiny-pair', 'base');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /Run 'vlm lab revert tiny-pair base --yes'/);
    const reverted = await vlm('lab', 'revert', 'tiny-pair', 'base', '--yes');
    assert.equal(reverted.status, 0, reverted.stderr);
    assert.match(reverted.stdout, /^Lab tiny-pair is reverted to base\.$/m);
    assert.ok(reverted.stdout.indexOf('alpha ') < reverted.stdout.indexOf('beta '), 'beta depends on alpha: reverted after it');
    assert.match(reverted.stdout, /^beta +tiny-pair\.beta +reverted +running$/m);

    const deleted = await vlm('lab', 'delete-snapshot', 'tiny-pair', 'base', '--yes', '--json');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.deepEqual(
      JSON.parse(deleted.stdout).vms.map((vm: { outcome: string }) => vm.outcome),
      ['deleted', 'deleted'],
    );
    assert.equal((await vlm('lab', 'snapshots', 'tiny-pair')).stdout, 'Lab tiny-pair has no snapshots.\n');
  });

  it('says what is wrong with a bad name, an unknown lab or snapshot, and a missing operand', async () => {
    const badName = await vlm('lab', 'snapshot', 'tiny-pair', '../x');
    assert.equal(badName.status, 1);
    assert.match(badName.stderr, /\/name.*snapshot name/);
    const badLab = await vlm('lab', 'snapshot', 'Tiny_Pair', 'ok');
    assert.equal(badLab.status, 2);
    assert.match(badLab.stderr, /argument LAB "Tiny_Pair" is not a lab name/);
    const unknownLab = await vlm('lab', 'snapshots', 'no-such-lab');
    assert.equal(unknownLab.status, 1);
    assert.match(unknownLab.stderr, /There is no lab named "no-such-lab"/);
    const unknown = await vlm('lab', 'revert', 'tiny-pair', 'nothing', '--yes');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Lab "tiny-pair" has no lab snapshot named "nothing"/);
    const missing = await vlm('lab', 'snapshot', 'tiny-pair');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing NAME\. Usage: vlm lab snapshot LAB NAME\./);
  });
});
