// Reading recorded ansible-playbook output (ansible.posix.jsonl callback, ansible-core 2.14) and
// checking playbooks and options before anything runs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PlaybookProgress } from '../../src/provision/ansible-events';
import { PlaybookInputError, runPlaybook, validatePlaybook } from '../../src/provision/ansible-playbook';

const fixture = (name: string): string[] => readFileSync(join(__dirname, 'fixtures', name), 'utf8').split('\n');

describe('ansible output', () => {
  test('a failed task: readable lines and the failure by task and host', () => {
    const progress = new PlaybookProgress();
    const lines = fixture('ansible-failed-task.jsonl').flatMap((line) => progress.readLine(line));
    assert.deepEqual(lines, [
      'PLAY Probe play',
      'TASK Say hello',
      'changed: guest',
      'TASK Break on purpose',
      'failed: guest: non-zero return code; rc 4; stderr: bad',
      'RECAP guest: changed=1 failures=1 ignored=0 ok=1 rescued=0 skipped=0 unreachable=0',
    ]);
    assert.deepEqual(progress.failures, [
      { task: 'Break on purpose', host: 'guest', unreachable: false, reason: 'non-zero return code; rc 4; stderr: bad' },
    ]);
  });

  test('an unreachable host is reported as such', () => {
    const progress = new PlaybookProgress();
    const lines = fixture('ansible-unreachable.jsonl').flatMap((line) => progress.readLine(line));
    assert.ok(
      lines.includes(
        'unreachable: guest: Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused',
      ),
    );
    assert.equal(progress.failures[0]?.unreachable, true);
    assert.equal(progress.failures[0]?.task, 'Say hello');
  });

  test("ssh's own goodbye on a raw task's stderr is not taken for the task's error", () => {
    const progress = new PlaybookProgress();
    const event = {
      _event: 'v2_runner_on_failed',
      hosts: { guest: { msg: 'non-zero return code', rc: 3, stderr: 'disk on fire\r\nConnection to 127.0.0.1 closed.\r\n' } },
      task: { name: 'Break' },
    };
    assert.deepEqual(progress.readLine(JSON.stringify(event)), ['failed: guest: non-zero return code; rc 3; stderr: disk on fire']);
  });

  test('lines that are not events pass through as text; blank ones are dropped', () => {
    const progress = new PlaybookProgress();
    assert.deepEqual(progress.readLine('[WARNING]: something'), ['[WARNING]: something']);
    assert.deepEqual(progress.readLine('{not json'), ['{not json']);
    assert.deepEqual(progress.readLine('   '), []);
  });
});

describe('playbook validation', () => {
  test('a list of plays is accepted', () => {
    validatePlaybook('- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.raw: "true"\n');
  });

  for (const [text, message] of [
    ['hosts: all\ntasks: []\n', /must be a YAML list of plays.*not object/],
    ['', /must be a YAML list of plays.*not empty/],
    ['[]', /not an empty list/],
    ['- just a string\n', /Play 1 of the playbook is not a mapping/],
    ['- hosts: all\n- tasks: []\n', /Play 2 of the playbook has no "hosts:"/],
    ['- import_playbook: /etc/other.yml\n', /line 1: import_playbook reads files from the VLM host/],
    ['- hosts: [unclosed\n', /not valid YAML/],
  ] as const) {
    test(`refused: ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => validatePlaybook(text),
        (error: unknown) => error instanceof PlaybookInputError && message.test(error.message),
      );
    });
  }

  test('bad options are refused before anything runs', async () => {
    const base = {
      playbook: '- hosts: all\n  tasks: []\n',
      host: 'guest',
      port: 22,
      user: 'root',
      privateKeyPath: __filename,
      onLine: () => undefined,
      signal: new AbortController().signal,
    };
    await assert.rejects(runPlaybook({ ...base, host: 'a b' }), /Ansible host name "a b" is not allowed/);
    await assert.rejects(runPlaybook({ ...base, port: 70000 }), /SSH port 70000 is not a TCP port/);
    await assert.rejects(runPlaybook({ ...base, user: 'root;rm' }), /SSH user "root;rm" is not a valid user name/);
    await assert.rejects(runPlaybook({ ...base, privateKeyPath: 'relative/key' }), /must be an absolute path/);
    await assert.rejects(
      runPlaybook({ ...base, privateKeyPath: '/nonexistent/vlm-key' }),
      /private key \/nonexistent\/vlm-key cannot be read/,
    );
    await assert.rejects(
      runPlaybook({ ...base, timeoutMs: 10 }),
      /provisioning deadline must be a whole number of milliseconds, at least 1000, not 10/,
    );
  });
});
