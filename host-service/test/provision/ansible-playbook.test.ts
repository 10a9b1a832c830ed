// runPlaybook against a real vlm-tiny guest on qemu:///system, reached through its loopback SSH
// forward (from inside the sandbox, through its socket). vlm-tiny has no Python, so plays use
// gather_facts: false and ansible.builtin.raw.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PlaybookFailedError, runPlaybook } from '../../src/provision/ansible-playbook';
import { freePort } from '../images/tiny-guest';
import { waitUntil } from '../../local-libvirt/wait-until';
import { startProvisionGuest, type ProvisionGuest } from './provision-guest';

interface ProcessEntry {
  pid: number;
  parent: number;
  state: string;
  commandLine: string;
}

async function processes(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').join(' ');
      entries.push({ pid: Number(name), parent: Number(fields[1]), state: fields[0] ?? '', commandLine });
    } catch {
      // The process ended while being read.
    }
  }
  return entries;
}

/** The ansible-playbook run for `host` and all its descendants. */
async function playbookTree(host: string): Promise<ProcessEntry[]> {
  const all = await processes();
  const root = all.find((entry) => /ansible-playbook/.test(entry.commandLine) && entry.commandLine.includes(`--limit ${host} `));
  if (!root) return [];
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1) {
    for (const entry of all) if (entry.parent === tree[index]?.pid) tree.push(entry);
  }
  return tree;
}

const running = (pid: number): Promise<boolean> =>
  readFile(`/proc/${pid}/stat`, 'utf8').then(
    (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z',
    () => false,
  );

describe('runPlaybook against a vlm-tiny guest', { timeout: 600_000 }, () => {
  let guest: ProvisionGuest | undefined;
  let host = '';
  let sshPort = 0;
  let privateKey = '';

  before(async () => {
    guest = await startProvisionGuest('vlm-ansible');
    ({ host, sshPort, privateKey } = guest);
  });

  after(async () => {
    await guest?.stop();
  });

  const options = (playbook: string, lines: string[], signal = new AbortController().signal) => ({
    playbook,
    host,
    port: sshPort,
    user: 'root',
    privateKeyPath: privateKey,
    onLine: (line: string) => lines.push(line),
    signal,
  });

  test('a raw task writes a file in the guest, seen afterwards over SSH; progress is streamed', async () => {
    const marker = randomBytes(8).toString('hex');
    const lines: string[] = [];
    const playbook = `- name: Provision the guest
  hosts: all
  gather_facts: false
  tasks:
    - name: Write the marker
      ansible.builtin.raw: echo ${marker} > /root/vlm-marker
`;
    await runPlaybook(options(playbook, lines));
    assert.deepEqual(lines.slice(0, 3), ['PLAY Provision the guest', 'TASK Write the marker', `changed: ${host}`]);
    assert.match(lines.at(-1) ?? '', new RegExp(`^RECAP ${host}: changed=1 failures=0`));
    const read = await (guest as ProvisionGuest).ssh('cat /root/vlm-marker');
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), marker);
  });

  test('a failing task is reported by task name and host; later tasks do not run', async () => {
    const lines: string[] = [];
    const playbook = `- hosts: all
  gather_facts: false
  tasks:
    - name: Break on purpose
      ansible.builtin.raw: echo disk on fire >&2; exit 3
    - name: Never reached
      ansible.builtin.raw: touch /root/vlm-never
`;
    await assert.rejects(runPlaybook(options(playbook, lines)), (error: unknown) => {
      assert.ok(error instanceof PlaybookFailedError);
      assert.equal(error.message, `Ansible task "Break on purpose" failed on ${host}: non-zero return code; rc 3; output: disk on fire`);
      return true;
    });
    assert.ok(!lines.includes('TASK Never reached'));
  });

  test('an unreachable guest is named as such', async () => {
    const closedPort = await freePort();
    const playbook = '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Touch\n      ansible.builtin.raw: "true"\n';
    await assert.rejects(
      runPlaybook({ ...options(playbook, []), port: closedPort }),
      new RegExp(
        `Ansible task "Touch" could not reach ${host}: .*\\(connecting to the VM's SSH port 127\\.0\\.0\\.1:${closedPort} failed: ECONNREFUSED\\)`,
      ),
    );
  });

  test('cancelling mid-play ends ansible-playbook and its whole process tree and removes its folder', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const playbook = '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Sleep long\n      ansible.builtin.raw: sleep 300\n';
    const run = runPlaybook(options(playbook, lines, controller.signal));
    // Cancel once SSH to the guest is running the task.
    const tree = await waitUntil(
      'ansible-playbook to run ssh for the task',
      async () => {
        const entries = await playbookTree(host);
        return entries.some((entry) => /^ssh /.test(entry.commandLine) && entry.commandLine.includes('sleep 300')) ? entries : undefined;
      },
      60_000,
      100,
    );
    // The run folder is bound into the sandbox at /provision.
    const runFolder = (tree[0]?.commandLine.match(/--bind (\S+) \/provision/) ?? [])[1] as string;
    assert.ok(runFolder, 'the run folder is on the sandbox command line');
    await access(join(runFolder, 'inventory.yml'));
    controller.abort();
    await assert.rejects(run, (error: unknown) => (error as Error).name === 'AbortError');
    for (const entry of tree) assert.equal(await running(entry.pid), false, `${entry.pid} (${entry.commandLine.slice(0, 60)}) has ended`);
    await assert.rejects(access(runFolder), /ENOENT/, 'the private folder is removed');
    assert.ok(lines.includes('TASK Sleep long'));
  });
});
