// Folder trust gates only what acts from a lab file of the workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsFolderTrust } from '../src/command-trust';

const labRow = { kind: 'lab', hostName: 'local', labName: 'demo', contextValue: 'lab idle' };
const vmRow = { kind: 'vm', hostName: 'local', labName: 'demo', contextValue: 'vm running lab' };

test('deploy and destroy from a lab file need a trusted folder; from a row of a host in the settings they do not', () => {
  assert.equal(needsFolderTrust('vlm.deploy', undefined), true, 'the active editor');
  assert.equal(needsFolderTrust('vlm.deploy', { scheme: 'file', path: '/w/demo.lab.yaml' }), true, 'a lab file');
  assert.equal(needsFolderTrust('vlm.destroy', undefined), true);
  assert.equal(needsFolderTrust('vlm.deploy', labRow), false);
  assert.equal(needsFolderTrust('vlm.destroy', labRow), false);
});

test('row actions and read-only commands never need it', () => {
  for (const command of ['vlm.vm.start', 'vlm.vm.resume', 'vlm.vm.delete', 'vlm.lab.snapshot', 'vlm.connectHost']) {
    assert.equal(needsFolderTrust(command, vmRow), false, command);
  }
  assert.equal(needsFolderTrust('vlm.plan', undefined), false);
  assert.equal(needsFolderTrust('vlm.export', undefined), false);
});
