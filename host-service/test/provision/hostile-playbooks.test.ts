// Hostile playbooks from a lab file, against one real vlm-tiny guest with real ansible-playbook.
// Each is either refused before anything runs, naming its line, or runs confined: afterwards the
// host canary does not exist, and no host secret (a 0600 root file, the lab's key, vlm-host's
// environment, /etc/shadow) reached the output or the guest.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  maximumPlaybookLineCharacters,
  maximumPlaybookLogLines,
  PlaybookFailedError,
  PlaybookInputError,
  runPlaybook,
} from '../../src/provision/ansible-playbook';
import { startCountingListener, type CountingListener } from '../support/counting-listener';
import { startProvisionGuest, type ProvisionGuest } from './provision-guest';

let guest: ProvisionGuest | undefined;
// Named now, made in before(): the playbooks below are written with these paths.
const dataDirectory = join(tmpdir(), `vlm-hostile-data-${randomBytes(6).toString('hex')}`);
const secretPath = join(dataDirectory, 'secret');
const secret = `secret-${randomBytes(12).toString('hex')}`;
const canary = join(tmpdir(), `vlm-canary-${randomBytes(6).toString('hex')}`);
let keyText = '';
const environmentSecret = `env-${randomBytes(12).toString('hex')}`;
// Stands in for another lab's VM: an SSH forward on host loopback; it counts who connects.
let otherVm: CountingListener | undefined;

before(async () => {
  guest = await startProvisionGuest('vlm-hostile');
  await mkdir(dataDirectory, { mode: 0o755 });
  await writeFile(secretPath, secret, { mode: 0o600 });
  keyText = await readFile(guest.privateKey, 'utf8');
  process.env.VLM_TEST_SECRET = environmentSecret;
  otherVm = await startCountingListener();
});

after(async () => {
  delete process.env.VLM_TEST_SECRET;
  await otherVm?.close();
  await guest?.stop();
  await rm(dataDirectory, { recursive: true, force: true });
  await rm(canary, { force: true });
});

interface Attempt {
  error: unknown;
  lines: string[];
}

async function attempt(playbook: string, timeoutMs = 300_000): Promise<Attempt> {
  const target = guest as ProvisionGuest;
  const lines: string[] = [];
  let error: unknown;
  try {
    await runPlaybook({
      playbook,
      host: target.host,
      port: target.sshPort,
      user: 'root',
      privateKeyPath: target.privateKey,
      // As the deploy engine (vm-provisioning.ts) does with the data directory; the key's folder too.
      hiddenPaths: [dataDirectory, target.workDirectory],
      timeoutMs,
      onLine: (line) => lines.push(line),
      signal: new AbortController().signal,
    });
  } catch (caught) {
    error = caught;
  }
  return { error, lines };
}

/** Nothing escaped: no canary on the host, no secret in the output or the guest, no connection elsewhere. */
async function assertConfined(result: Attempt): Promise<void> {
  await assert.rejects(access(canary), /ENOENT/, 'the host canary does not exist');
  const output = `${result.lines.join('\n')}\n${result.error instanceof Error ? result.error.message : ''}`;
  const keyBody = keyText.split('\n')[1] ?? '';
  for (const [what, value] of [
    ['the 0600 secret', secret],
    ['the lab key', keyBody],
    ["vlm-host's environment", environmentSecret],
    ['/etc/shadow', 'root:$'],
  ] as const) {
    assert.ok(!output.includes(value), `${what} reached the output:\n${output.slice(0, 3000)}`);
  }
  const leaked = await (guest as ProvisionGuest).ssh('cat /root/leak* 2>/dev/null; true');
  for (const value of [secret, keyBody, environmentSecret, 'root:$'])
    assert.ok(!leaked.stdout.includes(value), `the guest received a host secret: ${leaked.stdout}`);
  assert.equal(otherVm?.connections, 0, 'nothing connected to the other VM');
}

function assertRefused(result: Attempt, line: number, pattern: RegExp): void {
  assert.ok(result.error instanceof PlaybookInputError, `refused before running, not ${String(result.error)}`);
  assert.match(result.error.message, new RegExp(`line ${line}: ${pattern.source}`));
  assert.deepEqual(result.lines, [], 'nothing ran');
}

const play = (tasks: string, header = '') => `- hosts: all\n  gather_facts: false\n${header}  tasks:\n${tasks}`;

const refusals: Array<[string, string, number, RegExp]> = [
  [
    'delegate_to: localhost',
    play(`    - name: On the host\n      ansible.builtin.raw: touch ${canary}\n      delegate_to: localhost\n`),
    6,
    /delegate_to: "localhost" runs the task on another host/,
  ],
  [
    "delegate_to another lab's VM",
    play(`    - ansible.builtin.raw: id\n      delegate_to: other-lab-db\n`),
    5,
    /delegate_to: "other-lab-db" runs the task on another host/,
  ],
  ['local_action', play(`    - local_action: ansible.builtin.command touch ${canary}\n`), 4, /local_action runs the task on the VLM host/],
  [
    'connection: local on the play',
    `- hosts: all\n  connection: local\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: touch ${canary}\n`,
    2,
    /connection: "local" is not allowed/,
  ],
  [
    'connection: local on a task',
    play(`    - ansible.builtin.command: touch ${canary}\n      connection: local\n`),
    5,
    /connection: "local" is not allowed/,
  ],
  [
    'ansible_connection: local through vars',
    play(`    - ansible.builtin.command: touch ${canary}\n`, '  vars:\n    ansible_connection: local\n'),
    4,
    /ansible_connection is set by VLM/,
  ],
  [
    'hosts: localhost',
    `- hosts: localhost\n  tasks:\n    - ansible.builtin.command: touch ${canary}\n`,
    1,
    /hosts: "localhost" names a host other than this lab's VM/,
  ],
  [
    'hosts: 127.0.0.1',
    `- hosts: 127.0.0.1\n  tasks:\n    - ansible.builtin.command: touch ${canary}\n`,
    1,
    /hosts: "127\.0\.0\.1" names a host other than this lab's VM/,
  ],
  ["hosts: another lab's VM", `- hosts: other-lab-db\n  tasks:\n    - ansible.builtin.raw: id\n`, 1, /hosts: "other-lab-db" names a host/],
  [
    'copy with a host src',
    play(`    - ansible.builtin.copy:\n        src: ${secretPath}\n        dest: /root/leak-copy\n`),
    4,
    /copy with src: ".*" reads that file from the VLM host/,
  ],
  [
    'template with a host src',
    play(`    - ansible.builtin.template:\n        src: /etc/shadow\n        dest: /root/leak-template\n`),
    4,
    /template reads its template from the VLM host/,
  ],
  ['script from the host', play(`    - ansible.builtin.script: ${secretPath}\n`), 4, /script copies a script from the VLM host/],
  [
    'unarchive with a host src',
    play(`    - unarchive: src=${secretPath} dest=/root\n`),
    4,
    /unarchive with src: ".*" reads that file from the VLM host/,
  ],
  [
    'fetch to a host dest',
    play(`    - ansible.builtin.fetch:\n        src: /etc/hostname\n        dest: ${canary}\n`),
    4,
    /fetch writes its dest on the VLM host/,
  ],
  [
    'include_vars',
    play(`    - ansible.builtin.include_vars: ${secretPath}\n`),
    4,
    /ansible\.builtin\.include_vars reads files from the VLM host/,
  ],
  [
    'vars_files',
    `- hosts: all\n  gather_facts: false\n  vars_files:\n    - ${secretPath}\n  tasks: []\n`,
    3,
    /vars_files reads files from the VLM host/,
  ],
  ['include_tasks', play(`    - include_tasks: ${secretPath}\n`), 4, /include_tasks reads files from the VLM host/],
  [
    'import_tasks',
    play(`    - ansible.builtin.import_tasks: ${secretPath}\n`),
    4,
    /ansible\.builtin\.import_tasks reads files from the VLM host/,
  ],
  [
    'a merge key smuggling delegate_to',
    `- hosts: all\n  gather_facts: false\n  vars:\n    away: &away {delegate_to: localhost}\n  tasks:\n    - <<: *away\n      ansible.builtin.raw: id\n`,
    4,
    /delegate_to: "localhost" runs the task on another host/,
  ],
];
describe('hostile playbooks refused or kept from host files', { timeout: 900_000 }, () => {
  for (const [name, playbook, line, pattern] of refusals) {
    test(`refused before running: ${name}`, async () => {
      const result = await attempt(playbook);
      assertRefused(result, line, pattern);
      await assertConfined(result);
    });
  }

  for (const [kind, call] of [
    ['lookup', (plugin: string, argument: string) => `lookup('${plugin}', '${argument}')`],
    ['query', (plugin: string, argument: string) => `query('${plugin}', '${argument}')`],
  ] as const) {
    test(`${kind} of file: a host secret, the lab key and /etc/shadow cannot be read`, async () => {
      for (const path of [secretPath, (guest as ProvisionGuest).privateKey, '/etc/shadow']) {
        const result = await attempt(play(`    - ansible.builtin.raw: echo "{{ ${call('file', path)} }}" > /root/leak-file\n`));
        assert.ok(result.error instanceof PlaybookFailedError, `the lookup of ${path} failed: ${String(result.error)}`);
        assert.match(result.error.message, /could not locate file|Permission denied|not found|Unable to/i);
        await assertConfined(result);
      }
    });
  }
});

describe('hostile playbooks run confined', { timeout: 900_000 }, () => {
  test('lookup of pipe runs inside the sandbox: an unprivileged uid, its own /tmp, no host secret', async () => {
    const command = `touch ${canary}; cat ${secretPath} /etc/shadow 2>&1; id -u; true`;
    const result = await attempt(
      play(`    - ansible.builtin.raw: echo "{{ lookup('pipe', '${command}') | b64encode }}" > /root/leak-pipe\n`),
    );
    assert.equal(result.error, undefined, String(result.error));
    const written = await (guest as ProvisionGuest).ssh('base64 -d /root/leak-pipe');
    assert.match(written.stdout, /No such file or directory/, "the secret's folder does not exist inside");
    assert.match(written.stdout, /Permission denied/, '/etc/shadow is not readable');
    assert.match(written.stdout, /^2\d{9}$/m, 'it ran as a fresh unprivileged uid');
    await assertConfined(result);
  });

  test("lookup and query of env see none of vlm-host's environment", async () => {
    const result = await attempt(
      play(`    - ansible.builtin.raw: echo "{{ lookup('env', 'VLM_TEST_SECRET') }}{{ query('env', 'HOME') | join }}" > /root/leak-env\n`),
    );
    assert.equal(result.error, undefined, String(result.error));
    const written = await (guest as ProvisionGuest).ssh('cat /root/leak-env');
    assert.equal(written.stdout.trim(), '/provision/home');
    await assertConfined(result);
  });

  test('lookup and query of fileglob find nothing of the host', async () => {
    const result = await attempt(
      play(
        `    - ansible.builtin.raw: echo "{{ lookup('fileglob', '${dataDirectory}/*', wantlist=True) | join(',') }}|` +
          `{{ query('fileglob', '/root/*') | join(',') }}|{{ query('fileglob', '/var/lib/*') | join(',') }}" > /root/leak-glob\n`,
      ),
    );
    assert.equal(result.error, undefined, String(result.error));
    assert.equal((await (guest as ProvisionGuest).ssh('cat /root/leak-glob')).stdout.trim(), '||');
    await assertConfined(result);
  });

  test('lookup and query of template cannot read host files', async () => {
    for (const call of [`lookup('template', '${secretPath}')`, `query('template', '/etc/shadow')`]) {
      const result = await attempt(play(`    - ansible.builtin.raw: echo "{{ ${call} }}" > /root/leak-template\n`));
      assert.ok(result.error instanceof PlaybookFailedError, String(result.error));
      await assertConfined(result);
    }
  });

  test('connection local, smuggled past the rules through a templated set_fact, runs inside the sandbox', async () => {
    const result = await attempt(
      play(
        `    - ansible.builtin.set_fact:\n        "{{ 'ansible_' + 'connection' }}": local\n    - ansible.builtin.command: touch ${canary}\n    - ansible.builtin.command: cat ${secretPath}\n`,
      ),
    );
    // The touch ran (in the sandbox's /tmp); the secret's folder does not exist in there.
    assert.ok(result.error instanceof PlaybookFailedError, String(result.error));
    assert.match(result.error.message, new RegExp(`cat ${secretPath}|No such file`));
    await assertConfined(result);
  });

  test("a task aimed at another lab's VM port, smuggled past the rules, cannot reach it", async () => {
    const facts = [
      `"{{ 'ansible_' + 'host' }}": 127.0.0.1`,
      `"{{ 'ansible_' + 'port' }}": ${otherVm?.port}`,
      `"{{ 'ansible_' + 'ssh_args' }}": "-o ProxyCommand=none"`,
    ];
    const result = await attempt(
      play(
        `    - ansible.builtin.set_fact:\n${facts.map((fact) => `        ${fact}\n`).join('')}    - ansible.builtin.raw: touch /root/reached-other\n`,
      ),
    );
    assert.ok(result.error instanceof PlaybookFailedError, String(result.error));
    assert.match(result.error.message, /could not reach .*Connection refused/);
    await assertConfined(result);
  });
});

describe('hostile playbooks are bounded', { timeout: 900_000 }, () => {
  test('a playbook that never ends is stopped at the deadline, with everything it started', async () => {
    const started = Date.now();
    const result = await attempt(play('    - name: Forever\n      ansible.builtin.raw: sleep 100000\n'), 20_000);
    assert.ok(result.error instanceof PlaybookFailedError, String(result.error));
    assert.equal(
      result.error.message,
      'The playbook did not finish within 20 s: it was stopped, with everything it started. It was running task "Forever".',
    );
    assert.ok(Date.now() - started < 60_000, 'it ended soon after its deadline');
    // No sandbox or ansible process of this run is left, nor its folder.
    const left: string[] = [];
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (commandLine.includes('sleep 100000')) left.push(commandLine.split('\0').join(' '));
    }
    assert.deepEqual(left, []);
    assert.deepEqual(
      (await readdir(tmpdir())).filter((name) => name.startsWith('vlm-provision-')),
      [],
    );
    await assertConfined(result);
  });

  test('a playbook printing 100 MB leaves a bounded log that says what was cut', async () => {
    const hundredMegabytes = 100 * 1000 * 1000;
    const result = await attempt(
      play(
        // 100 MB in one task result (one JSON event line), then 100 MB of short lines on stderr.
        `    - ansible.builtin.debug:\n        msg: "{{ 'x' * ${hundredMegabytes} }}"\n` +
          `    - ansible.builtin.raw: echo "{{ lookup('pipe', 'yes 0123456789012345678901234567890123456789 | head -c ${hundredMegabytes} >&2; echo done') }}"\n`,
      ),
    );
    assert.equal(result.error, undefined, String(result.error));
    const characters = result.lines.reduce((sum, line) => sum + line.length, 0);
    assert.ok(result.lines.length <= maximumPlaybookLogLines + 1, `${result.lines.length} lines`);
    assert.ok(characters <= (maximumPlaybookLogLines + 1) * (maximumPlaybookLineCharacters + 100), `${characters} characters`);
    assert.ok(
      result.lines.some((line) =>
        /^\(an Ansible event v2_runner_on_ok of \d+ characters was too long to keep; its output is not shown\)$/.test(line),
      ),
      'the huge event is named',
    );
    assert.match(
      result.lines.at(-1) ?? '',
      /^Output cut: \d+ more line\(s\), \d+ characters, past the first 1000 lines of this run were not kept\.$/,
    );
    await assertConfined(result);
  });
});
