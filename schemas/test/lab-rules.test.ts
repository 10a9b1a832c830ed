// The shared lab rules on plain labs: each finding's code, path and wording, and the parameters
// (catalog, ports other labs hold, host facts) that decide them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLabRules, type LabFinding, type LabRuleOptions, type RuleLab } from '../src/index';

const options: LabRuleOptions = { imageNames: ['debian-12', 'vlm-tiny'], where: (path) => `at ${path.join('.')}` };
const messageOf = (findings: LabFinding[], index: number): string => findings[index]?.message ?? '';
const brief = (findings: LabFinding[]) => findings.map((finding) => `${finding.code} ${finding.path.join('.')}`);

describe('lab rules', () => {
  test('a sound lab has no findings', () => {
    const lab: RuleLab = {
      networks: [{ name: 'lan', cidr: '10.1.0.0/24' }],
      vms: [
        { name: 'web', os_image: 'debian-12', ssh_port: 22001, networks: [{ name: 'lan', ip: '10.1.0.10' }], depends_on: ['db'] },
        { name: 'db', os_image: 'vlm-tiny', networks: ['lan'] },
      ],
    };
    assert.deepEqual(checkLabRules(lab, options), []);
  });

  test('names, networks and addresses are placed by path, and point at the first holder', () => {
    const lab: RuleLab = {
      networks: [
        { name: 'lan', cidr: '10.1.0.0/16' },
        { name: 'lan', cidr: '10.1.2.0/24' },
        { name: 'bad', cidr: '10.1.0.1/24' },
      ],
      vms: [
        { name: 'a', networks: ['wan', { name: 'lan', ip: '10.1.0.10' }] },
        { name: 'a', networks: [{ name: 'lam' }, { name: 'lan', ip: '10.1.0.10' }, { name: 'lan', ip: '10.2.0.1' }] },
      ],
    };
    const findings = checkLabRules(lab, options);
    assert.deepEqual(brief(findings), [
      'vlm-duplicate-name networks.1.name',
      'vlm-duplicate-name vms.1.name',
      'vlm-invalid-cidr networks.2.cidr',
      'vlm-overlapping-cidr networks.1.cidr',
      'vlm-undefined-network vms.0.networks.0',
      'vlm-undefined-network vms.1.networks.0.name',
      'vlm-duplicate-address vms.1.networks.1.ip',
      'vlm-address-outside-network vms.1.networks.2.ip',
    ]);
    assert.match(messageOf(findings, 0), /Network name 'lan' is already used by the network at networks\.0\.name\./);
    assert.match(messageOf(findings, 3), /overlaps network 'lan' \(10\.1\.0\.0\/16\) at networks\.0\.cidr/);
    assert.match(messageOf(findings, 5), /Did you mean 'lan'\?/);
    assert.deepEqual(findings[5]?.data, { kind: 'undefined-network', name: 'lam' });
    assert.match(messageOf(findings, 6), /10\.1\.0\.10 on network "lan" is also given to VM "a"/);
  });

  test('depends_on: unknown VMs, self-dependency and cycles, one finding per edge of a cycle', () => {
    const lab: RuleLab = {
      vms: [
        { name: 'a', depends_on: ['b'] },
        { name: 'b', depends_on: ['a', 'ghost'] },
        { name: 'c', depends_on: ['c'] },
      ],
    };
    const findings = checkLabRules(lab, options);
    assert.deepEqual(brief(findings), [
      'vlm-undefined-vm vms.1.depends_on.1',
      'vlm-dependency-cycle vms.0.depends_on.0',
      'vlm-dependency-cycle vms.1.depends_on.0',
      'vlm-dependency-cycle vms.2.depends_on.0',
    ]);
    assert.match(messageOf(findings, 1), /dependency cycle: a → b → a/);
    assert.match(messageOf(findings, 3), /c → c/);
  });

  test('ports: range, a second VM of the lab, and ports other labs hold', () => {
    const lab: RuleLab = {
      vms: [
        { name: 'a', ssh_port: 22005, vnc_port: 6000 },
        { name: 'b', ssh_port: 22005 },
        { name: 'c', vnc_port: 5901 },
      ],
    };
    const findings = checkLabRules(lab, { ...options, portsHeldElsewhere: new Map([['vnc:5901', 'other/x']]) });
    assert.deepEqual(brief(findings), [
      'vlm-port-out-of-range vms.0.vnc_port',
      'vlm-port-collision vms.1.ssh_port',
      'vlm-port-held-elsewhere vms.2.vnc_port',
    ]);
    assert.match(messageOf(findings, 1), /Port 22005 is already the ssh_port of VM 'a' at vms\.0\.ssh_port/);
    assert.match(messageOf(findings, 2), /vnc port 5901 is already used by other\/x/);
  });

  test('images are checked against the catalog given, not a built-in one', () => {
    const lab: RuleLab = { vms: [{ name: 'a', os_image: 'site-image' }] };
    assert.deepEqual(brief(checkLabRules(lab, options)), ['vlm-unknown-image vms.0.os_image']);
    assert.deepEqual(checkLabRules(lab, { ...options, imageNames: [...options.imageNames, 'site-image'] }), []);
  });

  test("capacity only with host facts of the lab's host; too few CPUs is a warning", () => {
    const lab: RuleLab = { vms: [{ name: 'a', vcpu: 8, ram_mb: 8192 }] };
    assert.deepEqual(checkLabRules(lab, options), []);
    const hostFacts = { name: 'local', cpus: 4, memory_mb: 4096 };
    const findings = checkLabRules(lab, { ...options, hostFacts });
    assert.deepEqual(
      findings.map((finding) => `${finding.path.join('.')} ${finding.severity}`),
      ['vms error', 'vms warning'],
    );
    assert.deepEqual(checkLabRules({ ...lab, host: 'elsewhere' }, { ...options, hostFacts }), []);
  });
});
