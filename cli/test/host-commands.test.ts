// The host commands as a user runs them: the built `vlm` as a real process against a real
// vlm-host on libvirt's test driver (private D-Bus bus, started and stopped here).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { buildDomainXml } from '../../host-service/src/libvirt/domain-xml';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { ensureBuilt, repositoryRoot, runVlm } from './run-vlm';
import { runVlmAsync, runVlmOnTerminal, startOnTerminal } from './running-vlm';

const tinyPair = join(repositoryRoot, 'schemas', 'examples', 'tiny-pair.lab.yaml');

let fixture: HostFixture;
let hostArgument: string;
const vlm = (...commandLine: string[]) => runVlmAsync([...commandLine, '--host', hostArgument]);

before(async () => {
  ensureBuilt();
  fixture = await startHostFixture({ name: 'cli-host' });
  hostArgument = `unix:${fixture.socketPath}`;
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm vm commands against vlm-host on the libvirt test driver', () => {
  it("lists the test driver's own VM, which belongs to no lab", async () => {
    const result = await vlm('vm', 'list');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.lines[0] ?? '', /^LAB +VM +STATE +SSH +VNC$/);
    assert.match(result.stdout, /^- +test +running +- +-$/m);
    const json = await vlm('vm', 'list', '--json');
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).vms, [
      { lab: null, vm: 'test', domain: 'test', state: 'running', sshPort: null, vncPort: null },
    ]);
  });

  it('stops, force-stops and starts a VM by its domain name, and says when that does not fit its state', async () => {
    const stop = await vlm('vm', 'stop', '--force', 'test');
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(stop.stdout, 'test: shut-off\n');
    assert.match((await vlm('vm', 'list')).stdout, /^- +test +shut-off/m);

    const again = await vlm('vm', 'stop', 'test');
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^vlm: test: Cannot stop VM "test": it is not running \(shut-off\)\./);

    const start = await vlm('vm', 'start', 'test');
    assert.equal(start.status, 0, start.stderr);
    assert.equal(start.stdout, 'test: running\n');
  });

  it('resumes a paused VM, and refuses one that is not paused', async () => {
    const running = await vlm('vm', 'resume', 'test');
    assert.equal(running.status, 1);
    assert.match(running.stderr, /^vlm: test: Cannot resume VM "test": it is not paused \(running\)\./);
    await fixture.hypervisor.suspend('test');
    assert.match((await vlm('vm', 'list')).stdout, /^- +test +paused/m);
    const resume = await vlm('vm', 'resume', 'test');
    assert.equal(resume.status, 0, resume.stderr);
    assert.equal(resume.stdout, 'test: running\n');
  });

  it('names the missing VM and exits 1', async () => {
    const result = await vlm('vm', 'start', 'no-such-vm');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /There is no VM named "no-such-vm"/);
  });
});

describe('vlm lab plan against vlm-host on the libvirt test driver', () => {
  it('plans the tiny-pair example as create steps, one line per resource', async () => {
    const result = await vlm('lab', 'plan', tinyPair);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.lines[0], `Plan for lab tiny-pair on ${hostArgument} (a new lab):`);
    const steps = result.lines.slice(1, -1);
    assert.ok(steps.length > 0);
    for (const step of steps) assert.match(step, /^ {2}\+ (network|volume|domain|port) +\S+ \(\S+\)$/, step);
    assert.ok(
      steps.some((step) => /\+ domain +tiny-pair\.alpha \(alpha\)$/.test(step)),
      result.stdout,
    );
    assert.ok(
      steps.some((step) => /\+ network +\S+ \(lan\)$/.test(step)),
      result.stdout,
    );
    assert.match(result.lines.at(-1) ?? '', new RegExp(`^${steps.length} to create, 0 to change, 0 to delete, 0 unchanged\\.$`));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence is what it looks for
    assert.doesNotMatch(result.stdout, /\u001b\[/, 'no colour when standard output is not a terminal');
  });

  it('validates the lab file first and prints its errors as vlm validate does, without asking the host', async () => {
    const broken = join(fixture.folder, 'broken.lab.yaml');
    await writeFile(
      broken,
      'name: broken\nvms:\n  - name: one\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: vlm-tiny\n    networks: [wan]\n',
    );
    const result = await vlm('lab', 'plan', broken);
    const validate = runVlm(['validate', broken]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.ok(validate.lines.length > 0);
    for (const line of validate.lines) assert.ok(result.stderr.includes(`${line}\n`), `${line} in:\n${result.stderr}`);
    assert.match(result.stderr, /fix the lab file first \(nothing was sent to the host\)/);
  });

  it('refuses to apply without --yes when standard input is not a terminal, and applies nothing', async () => {
    const result = await vlm('lab', 'up', tinyPair);
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /not asking for confirmation: standard input is not a terminal\. Run 'vlm lab up .*tiny-pair\.lab\.yaml --yes'/,
    );
    const labs = await vlm('lab', 'list', '--json');
    assert.deepEqual(JSON.parse(labs.stdout), { labs: [] });
  });
});

describe('vlm lab up and down against vlm-host on the libvirt test driver', () => {
  it('lab up --yes deploys with the log streamed, then status, vm list, vm stop by LAB/VM, and lab down --yes removes it', async () => {
    const up = await vlm('lab', 'up', tinyPair, '--yes');
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /^Plan for lab tiny-pair/);
    assert.match(up.stdout, /^Lab tiny-pair: deploying$/m);
    assert.match(up.stdout, /^ {2}\[alpha\] Started/m);
    assert.match(up.stdout, /^Lab tiny-pair: running$/m);
    assert.match(up.stdout, /Lab tiny-pair is up\./);
    assert.ok(up.stdout.indexOf('[alpha] Started') < up.stdout.indexOf('[beta] Started'), 'beta depends on alpha, so it starts after');

    const status = await vlm('lab', 'status', 'tiny-pair');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.lines[0] ?? '', new RegExp(`^Lab tiny-pair: running \\(updated .+\\) on ${hostArgument}$`));
    assert.equal(status.lines[1], 'Idle shutdown: off', 'the lab file has no idle_shutdown_minutes');
    assert.match(status.stdout, /^alpha +tiny-pair\.alpha +running +22\d{3} +59\d{2}$/m);
    assert.match(status.stdout, /^beta +tiny-pair\.beta +running +22\d{3} +59\d{2}$/m);
    const details = JSON.parse((await vlm('lab', 'status', 'tiny-pair', '--json')).stdout);
    assert.equal(details.status, 'running');
    assert.deepEqual(details.resources.domains.map((domain: { name: string }) => domain.name).sort(), [
      'tiny-pair.alpha',
      'tiny-pair.beta',
    ]);

    const again = await vlm('lab', 'up', tinyPair);
    assert.equal(again.status, 0, again.stderr);
    assert.match(
      again.stdout,
      /^ {2}nothing to do: the host matches the lab file\.\n0 to create, 0 to change, 0 to delete, \d+ unchanged\.\nLab tiny-pair is up to date\.\n$/m,
    );

    const list = await vlm('lab', 'list');
    assert.match(list.stdout, /^tiny-pair +running +2 +\S+$/m);
    const vms = await vlm('vm', 'list');
    const sshPort = details.resources.ports.find((port: { vm: string; kind: string }) => port.vm === 'alpha' && port.kind === 'ssh').port;
    assert.match(vms.stdout, new RegExp(`^tiny-pair +alpha +running +${sshPort} +59\\d{2}$`, 'm'));

    const stop = await vlm('vm', 'stop', '--force', 'tiny-pair/beta');
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(stop.stdout, 'tiny-pair/beta: shut-off\n');
    const missing = await vlm('vm', 'start', 'tiny-pair/gamma');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /there is no VM 'gamma' in lab 'tiny-pair'.*its VMs: (alpha, beta|beta, alpha)/);

    const refused = await vlm('lab', 'down', 'tiny-pair');
    assert.equal(refused.status, 2);
    assert.match(refused.stdout, /^ {2}- VM tiny-pair\.alpha \(alpha\)$/m);
    assert.match(refused.stderr, /standard input is not a terminal\. Run 'vlm lab down tiny-pair --yes'/);

    const down = await vlm('lab', 'down', 'tiny-pair', '--yes');
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /^Removing lab tiny-pair from .* removes:$/m);
    for (const line of ['  - VM tiny-pair.alpha (alpha)', '  - VM tiny-pair.beta (beta)', `  - ssh port ${sshPort} (alpha)`]) {
      assert.ok(down.lines.includes(line), `${line} in:\n${down.stdout}`);
    }
    assert.match(down.stdout, /^ {2}- network \S+ \(lan\)$/m);
    assert.match(down.stdout, /^Lab tiny-pair is removed\.$/m);
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });
    assert.doesNotMatch((await vlm('vm', 'list')).stdout, /tiny-pair/);
  });
});

describe('vlm on a terminal against vlm-host on the libvirt test driver', () => {
  it('on a terminal: colours the plan markers, asks before applying, and does nothing on "n"', async () => {
    const plan = await runVlmOnTerminal(['lab', 'plan', tinyPair, '--host', hostArgument], '');
    assert.equal(plan.status, 0, plan.output);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes are what it checks
    assert.match(plan.output, /^ {2}\u001b\[32m\+\u001b\[0m domain +tiny-pair\.alpha \(alpha\)$/m);

    const declined = await runVlmOnTerminal(['lab', 'up', tinyPair, '--host', hostArgument], 'n');
    assert.equal(declined.status, 1, declined.output);
    assert.match(declined.output, new RegExp(`Apply this plan to ${hostArgument}\\? \\[y/N\\] n\nvlm: nothing was applied\\.`));
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });
  });

  it('on a terminal: Ctrl-C at the question exits 130 and applies nothing', async () => {
    const interrupted = await runVlmOnTerminal(['lab', 'up', tinyPair, '--host', hostArgument], '\u0003');
    assert.equal(interrupted.status, 130, interrupted.output);
    assert.doesNotMatch(interrupted.output, /nothing was applied|Error/);
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });
  });

  it('on a terminal: "y" to lab up applies, "y" to lab down removes', async () => {
    const up = await runVlmOnTerminal(['lab', 'up', tinyPair, '--host', hostArgument], 'y');
    assert.equal(up.status, 0, up.output);
    assert.match(up.output, /Lab tiny-pair is up\./);
    const down = await runVlmOnTerminal(['lab', 'down', 'tiny-pair', '--host', hostArgument], 'y');
    assert.equal(down.status, 0, down.output);
    assert.match(down.output, /Remove lab tiny-pair\? \[y\/N\] y\nLab tiny-pair is removed\./);
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });
  });
});

describe('Ctrl-C of vlm lab up against vlm-host on the libvirt test driver', () => {
  it('Ctrl-C during lab up cancels the apply: exit 130, and the host records the cancelled apply', async () => {
    const vms = Array.from(
      { length: 20 },
      (_, index) => `  - { name: vm${index}, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [lan] }`,
    );
    const file = join(fixture.folder, 'many.lab.yaml');
    await writeFile(file, `name: many\nnetworks:\n  - { name: lan, cidr: 10.98.0.0/24 }\nvms:\n${vms.join('\n')}\n`);
    const terminal = startOnTerminal(['lab', 'up', file, '--host', hostArgument]);
    try {
      await terminal.waitFor(/\[y\/N\] $/);
      // libvirt-dbus is held still so the apply is certainly in flight, not done, when Ctrl-C comes.
      const libvirtDbus = fixture.libvirt.libvirtDbus.process.child;
      libvirtDbus.kill('SIGSTOP');
      try {
        terminal.type('y\r');
        await terminal.waitFor(/^Applying to unix:.*:$/m);
        terminal.type('\u0003');
        await terminal.waitFor(/cancelling the apply/);
      } finally {
        libvirtDbus.kill('SIGCONT');
      }
      const result = await terminal.finished;
      assert.equal(result.status, 130, result.output);
      // The terminal echoes the key as ^C.
      assert.match(result.output, /^(\^C)?vlm: cancelling the apply; the host records what was made so far\.$/m);
      assert.doesNotMatch(result.output, /Lab many is up|Error/);

      const details = JSON.parse((await vlm('lab', 'status', 'many', '--json')).stdout);
      assert.equal(details.status, 'failed');
      assert.ok(
        details.deployLog.some((line: { text: string }) => line.text.startsWith('Apply cancelled by the client')),
        JSON.stringify(details.deployLog),
      );
      const down = await vlm('lab', 'down', 'many', '--yes');
      assert.equal(down.status, 0, down.stderr);
    } finally {
      // Whatever failed above, the lab goes: a lab left up would fail the tests after this one too.
      await terminal.finished;
      await removeLab('many');
    }
  });
});

/** Removes a lab if the host still records it, once no apply of it is running. */
async function removeLab(name: string): Promise<void> {
  const recorded = async () =>
    (JSON.parse((await vlm('lab', 'list', '--json')).stdout) as { labs: Array<{ name: string; status: string }> }).labs.find(
      (lab) => lab.name === name,
    );
  const settled = await waitUntil(
    `lab ${name} to settle`,
    async () => {
      const lab = await recorded();
      return lab === undefined ? 'gone' : lab.status !== 'deploying' && lab.status;
    },
    60_000,
    200,
  );
  if (settled === 'gone') return;
  const down = await vlm('lab', 'down', name, '--yes');
  assert.equal(down.status, 0, down.stderr);
}

describe('vlm lab sweep against vlm-host on the libvirt test driver', () => {
  it('lab sweep lists and removes what no recorded lab owns', async () => {
    const up = await vlm('lab', 'up', tinyPair, '--yes');
    assert.equal(up.status, 0, up.stderr);
    // The service forgets the lab (its record is edited out while it is stopped): what the lab made is left over.
    assert.equal(await fixture.host.stop(), 0);
    const statePath = join(fixture.dataDirectory, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    assert.ok(state.labs['tiny-pair'], 'the lab is recorded in state.json');
    delete state.labs['tiny-pair'];
    await writeFile(statePath, JSON.stringify(state));
    await fixture.restart();
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });

    const dryRun = await vlm('lab', 'sweep', '--dry-run');
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.equal(dryRun.lines[0], `Leftovers on ${hostArgument} that no lab records:`);
    assert.match(dryRun.stdout, /^ {2}- domain tiny-pair\.alpha \(.+\)$/m);
    assert.match(dryRun.stdout, /^ {2}- network tiny-pair\.lan \(.+\)$/m);

    const refused = await vlm('lab', 'sweep');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /standard input is not a terminal\. Run 'vlm lab sweep --yes'/);
    assert.match((await vlm('vm', 'list')).stdout, /^tiny-pair +alpha /m);

    const swept = await vlm('lab', 'sweep', '--yes');
    assert.equal(swept.status, 0, swept.stderr);
    assert.match(swept.stdout, /^Removed \d+:$/m);
    assert.match(swept.stdout, /^ {2}- domain tiny-pair\.beta \(.+\)$/m);
    assert.doesNotMatch((await vlm('vm', 'list')).stdout, /tiny-pair/);
    assert.equal((await vlm('lab', 'sweep')).stdout, `No leftovers on ${hostArgument}.\n`);
  });
});

describe('vlm with labs named like object keys, against vlm-host on the libvirt test driver', () => {
  it('a lab, VMs and a network named like object keys (constructor, prototype, ...) go up, survive a restart and come down', async () => {
    // Lab names are DNS labels, so these are the lowercase names every JavaScript object has or knows.
    const file = join(fixture.folder, 'object-keys.lab.yaml');
    const vm = (name: string) => `  - { name: ${name}, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [prototype] }`;
    await writeFile(
      file,
      [
        'name: constructor',
        'networks:',
        '  - { name: prototype, cidr: 10.97.0.0/24 }',
        'vms:',
        ...['constructor', 'valueof', 'hasownproperty'].map(vm),
        '',
      ].join('\n'),
    );
    assert.equal((await vlm('lab', 'status', 'constructor')).stderr, 'vlm: There is no lab named "constructor" on this host.\n');
    assert.equal((await vlm('lab', 'plan', file)).lines[0], `Plan for lab constructor on ${hostArgument} (a new lab):`);

    const up = await vlm('lab', 'up', file, '--yes');
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /^ {2}\[constructor\] Started/m);
    assert.match(up.stdout, /Lab constructor is up\./);
    const status = await vlm('lab', 'status', 'constructor');
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^constructor +constructor\.constructor +running /m);
    assert.match(status.stdout, /^hasownproperty +constructor\.hasownproperty +running /m);

    // The state file holds the lab under its own name, and a restarted host reads it back.
    assert.equal(await fixture.host.stop(), 0);
    const state = JSON.parse(await readFile(join(fixture.dataDirectory, 'state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.labs), ['constructor']);
    await fixture.restart();
    assert.match((await vlm('lab', 'list')).stdout, /^constructor +running +3 +\S+$/m);
    const again = await vlm('lab', 'up', file, '--yes');
    assert.match(again.stdout, /Lab constructor is up to date\./, again.stderr);

    const down = await vlm('lab', 'down', 'constructor', '--yes');
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /^ {2}- network \S+ \(prototype\)$/m);
    assert.match(down.stdout, /^Lab constructor is removed\.$/m);
    assert.deepEqual(JSON.parse((await vlm('lab', 'list', '--json')).stdout), { labs: [] });
    assert.doesNotMatch((await vlm('vm', 'list')).stdout, /constructor/);
    assert.equal((await vlm('lab', 'status', 'constructor')).status, 1);
  });
});

describe('vlm vm delete and errors against vlm-host on the libvirt test driver', () => {
  it('vm delete: a domain VLM did not make goes only with --confirm-foreign naming it exactly', async () => {
    const { hypervisor } = fixture;
    try {
      await hypervisor.defineDomain(buildDomainXml({ name: 'own-cli.foreign', type: 'qemu', vcpu: 1, memoryMiB: 128 }));
      const refused = await vlm('vm', 'delete', 'own-cli.foreign');
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /^vlm: VM "own-cli\.foreign" was not made by this host \(it has no VLM metadata\)/);
      assert.match(
        refused.stderr,
        /^To delete it anyway, name it again: vlm vm delete own-cli\.foreign --confirm-foreign own-cli\.foreign$/m,
      );
      const wrong = await vlm('vm', 'delete', 'own-cli.foreign', '--confirm-foreign', 'own-cli');
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /confirmForeign "own-cli" does not name VM "own-cli\.foreign"/);
      const hostile = await vlm('vm', 'delete', 'own-cli.foreign', '--confirm-foreign', '$(reboot)');
      assert.equal(hostile.status, 2);
      assert.match(hostile.stderr, /--confirm-foreign "\$\(reboot\)" is not a domain name/);
      const two = await vlm('vm', 'delete', 'own-cli.foreign', 'test');
      assert.equal(two.status, 2);
      assert.ok(await hypervisor.getDomain('own-cli.foreign'), 'nothing refused was deleted');
      const deleted = await vlm('vm', 'delete', 'own-cli.foreign', '--confirm-foreign', 'own-cli.foreign');
      assert.equal(deleted.status, 0, deleted.stderr);
      assert.equal(deleted.lines[0], 'own-cli.foreign: deleted (domain own-cli.foreign).');
      assert.equal(await hypervisor.getDomain('own-cli.foreign'), undefined);
    } finally {
      await hypervisor.undefine('own-cli.foreign').catch(() => undefined);
    }
  });

  it('says which lab is missing for status and down', async () => {
    const result = await vlm('lab', 'status', 'ghost');
    assert.equal(result.status, 1);
    assert.equal(result.stderr, 'vlm: There is no lab named "ghost" on this host.\n');
  });

  it("reports that the test driver's VM has no serial console to attach to", async () => {
    const result = await vlm('console', 'test');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^vlm: VM "test" has no serial console on a pty\./);
  });

  it('uses $VLM_HOST when --host is not given', async () => {
    const result = await runVlmAsync(['lab', 'list'], { ...process.env, VLM_HOST: hostArgument });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `No labs on ${hostArgument}.\n`);
  });
});
