// The playbook rules vlm-host and the language server share: what is refused, at which line, and
// what ordinary playbooks (the examples' included) keep doing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { findPlaybookRuleProblems } from '../src/playbook-rules';

const lines = (text: string, vmName = 'web') => {
  const problems = findPlaybookRuleProblems(text, { vmName });
  // The language server passes the parse of its own syntax check: the answer must be the same.
  const parsed = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  assert.deepEqual(findPlaybookRuleProblems(text, { vmName, parsed }), problems, text);
  return problems.map((problem) => `${problem.line}: ${problem.message.split(';')[0]}`);
};

test("the example labs' playbooks pass", () => {
  const folder = join(__dirname, '..', 'examples');
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.lab.yaml'))) {
    const lab = parse(readFileSync(join(folder, file), 'utf8')) as { vms: Array<{ name: string; ansible_config_yaml?: string }> };
    for (const vm of lab.vms) {
      if (vm.ansible_config_yaml !== undefined)
        assert.deepEqual(findPlaybookRuleProblems(vm.ansible_config_yaml, { vmName: vm.name }), [], `${file} ${vm.name}`);
    }
  }
});

test('files on the VM stay allowed: remote_src, content, lineinfile, slurp, the VM named in hosts and delegate_to', () => {
  const playbook = [
    '- hosts: web',
    '  tasks:',
    '    - ansible.builtin.copy: {src: /etc/hosts, dest: /tmp/h, remote_src: true}',
    '    - copy: src=/etc/hosts dest=/tmp/h remote_src=yes',
    '    - ansible.builtin.copy: {content: "hello", dest: /tmp/x}',
    '    - ansible.builtin.slurp: {src: /etc/hostname}',
    '    - ansible.builtin.raw: id',
    '      delegate_to: web',
    '      vars: {ansible_become: true}',
    '      connection: ssh',
    '',
  ].join('\n');
  assert.deepEqual(lines(playbook), []);
});

test('the less obvious forms are found: action:, args:, blocks, handlers, roles by path, add_host, merge keys', () => {
  const playbook = [
    '- hosts: all',
    '  roles: [/etc/ansible/roles/x, nginx]',
    '  handlers:',
    '    - name: h',
    '      action: fetch src=/etc/hostname dest=/tmp/f',
    '  tasks:',
    '    - block:',
    '        - ansible.builtin.copy:',
    '          args: {src: /etc/shadow, dest: /tmp/s}',
    '      rescue:',
    '        - add_host: {name: other, ansible_host: 127.0.0.1}',
    '      always:',
    '        - include_role: {name: "{{ x }}"}',
    '- hosts: all,localhost',
    '  tasks: []',
    '',
  ].join('\n');
  assert.deepEqual(lines(playbook), [
    '2: roles names the role by a path ("/etc/ansible/roles/x"), which reads files from the VLM host',
    '5: fetch writes its dest on the VLM host',
    '8: copy with src: "/etc/shadow" reads that file from the VLM host',
    "11: add_host adds hosts to the inventory (only the lab's VM may be reached)",
    "11: ansible_host is set by VLM to reach the lab's VM",
    '13: include_role names the role by a path ("{{ x }}"), which reads files from the VLM host',
    '14: hosts: "all,localhost" names a host other than this lab\'s VM',
  ]);
});

test('an alias bomb or a self-referring alias does not make the check explode', () => {
  const bomb = ['- hosts: all', '  vars:', '    a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let level = 1; level < 9; level += 1)
    bomb.push(
      `    ${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + level)}`)
        .join(', ')}]`,
    );
  bomb.push('  tasks: []', '');
  const started = performance.now();
  assert.deepEqual(lines(bomb.join('\n')), []);
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(lines('- &play\n  hosts: all\n  tasks: [*play]\n'), []);
});

test('a merge key brings its keys into the task, whether or not a parse is passed in', () => {
  const playbook = ['- hosts: web', '  tasks:', '    - <<: {delegate_to: db}', '      ansible.builtin.command: id', ''].join('\n');
  assert.deepEqual(lines(playbook), lines(playbook.replace('<<: {delegate_to: db}', 'delegate_to: db')));
  assert.equal(lines(playbook).length, 1);
});
