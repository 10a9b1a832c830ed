// The lab the Lab Topology panel draws, read by the language service from the same parse as its
// checks: networks, VMs, interfaces and addresses, ports; half-written and hostile files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TopologyLab } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { createLabLanguageService } from '../src/language-service';

const threeTier = readFileSync(new URL('../../schemas/examples/three-tier-web.lab.yaml', import.meta.url), 'utf8');
const service = createLabLanguageService();

function readLabTopology(text: string, file: string): TopologyLab {
  const lab = service.labTopology(TextDocument.create(`file:///labs/${file}`, 'vlm-lab', 1, text));
  assert.ok(lab, 'the service read the document');
  return lab;
}

const valid = (topology: unknown) => {
  const check = checkPanelMessage('TopologyToPanel', { type: 'topology', uri: 'file:///labs/a.lab.yaml', topology });
  assert.ok(check.ok, check.ok ? '' : check.problem);
};

describe('readLabTopology', () => {
  test('reads networks, VMs, interfaces with their addresses, and ports from a lab file', () => {
    const lab = readLabTopology(threeTier, 'three-tier-web.lab.yaml');
    valid(lab);
    assert.equal(lab.lab, 'web-lab');
    assert.equal(lab.host, 'local');
    assert.deepEqual(lab.networks, [
      { name: 'front', cidr: '10.20.1.0/24' },
      { name: 'back', cidr: '10.20.2.0/24' },
    ]);
    assert.deepEqual(
      lab.vms.map((vm) => vm.name),
      ['db', 'web-1', 'web-2', 'lb'],
    );
    assert.deepEqual(lab.vms[0]?.interfaces, [{ name: 'nic0', network: 'back', ip: '10.20.2.10' }]);
    assert.deepEqual(
      lab.vms[1]?.interfaces.map((attached) => `${attached.name}:${attached.network}`),
      ['nic0:front', 'nic1:back'],
    );
    assert.deepEqual(lab.problems, []);
  });

  test('a half-written file gives what it can and says what is wrong', () => {
    const text =
      'name: half\nnetworks:\n  - name: lan\n    cidr: 10.0.0.0/24\n    mode: nat\nvms:\n  - name: a\n    ssh_port: 2201\n    networks: [lan, wan]\n  - name: b\n    networks: [\n';
    const lab = readLabTopology(text, 'half.lab.yaml');
    valid(lab);
    assert.deepEqual(lab.networks, [{ name: 'lan', cidr: '10.0.0.0/24', mode: 'nat' }]);
    assert.equal(lab.vms[0]?.sshPort, 2201);
    assert.ok(lab.problems.some((problem) => problem.startsWith('YAML:')));
    assert.ok(lab.problems.includes('VM a joins network wan, which the lab does not define.'));
  });

  test('hostile names stay text, control characters are replaced, long ones are cut to the schema limit', () => {
    const text = `name: "<script>x</script>"\nnetworks:\n  - name: "<img src=x onerror=alert(1)>"\nvms:\n  - name: "bell\\u0007vm"\n    networks: ["<img src=x onerror=alert(1)>"]\n  - name: "${'x'.repeat(400)}"\n`;
    const lab = readLabTopology(text, 'hostile.lab.yaml');
    valid(lab);
    assert.equal(lab.lab, '<script>x</script>');
    assert.equal(lab.networks[0]?.name, '<img src=x onerror=alert(1)>');
    assert.equal(lab.vms[0]?.name, 'bell?vm');
    assert.equal(lab.vms[1]?.name.length, 256);
  });

  test('a file that is not a mapping is an empty lab, not a crash', () => {
    for (const text of ['', '- a\n- b\n', 'just text', ': : :']) valid(readLabTopology(text, 'odd.lab.yaml'));
  });
});
