// ansible_config_yaml: problems inside the block scalar are placed at their own line and column,
// whatever the block style, indentation indicator or line endings.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createLabLanguageService, diagnosticCodes } from '../src/index';
import { elementAt, labDocument, rangeOf, withCode } from './lab-text';

const service = createLabLanguageService();

function labWithPlaybook(header: string, playbookLines: string[], indent = '      '): string {
  return [
    'name: ansible-lab',
    'vms:',
    '  - name: app',
    '    vcpu: 1',
    '    ram_mb: 512',
    '    disk_gb: 5',
    '    os_image: debian-12',
    `    ansible_config_yaml: ${header}`,
    ...playbookLines.map((line) => (line === '' ? '' : `${indent}${line}`)),
    '  - name: other',
    '    vcpu: 1',
    '    ram_mb: 512',
    '    disk_gb: 5',
    '    os_image: debian-12',
    '',
  ].join('\n');
}

async function ansibleProblems(text: string): Promise<{ found: Diagnostic[]; document: ReturnType<typeof labDocument> }> {
  const document = labDocument(text);
  return { found: withCode(await service.validate(document), diagnosticCodes.invalidAnsible), document };
}

// A playbook whose line 3 has a duplicate key: the error belongs on the second `become`.
const duplicateKeyPlaybook = ['- hosts: all', '  become: true', '  become: false', '  tasks: []'];

describe('ansible_config_yaml positions', () => {
  test('a valid playbook passes in every block style', async () => {
    for (const header of ['|', '|-', '|+', '>', '>-', '|2', '|-2']) {
      const { found } = await ansibleProblems(labWithPlaybook(header, ['- hosts: all', '  tasks:', '    - ansible.builtin.ping: {}']));
      assert.deepEqual(found, [], `header ${header}`);
    }
  });

  for (const header of ['|', '|-', '|+', '>', '>-']) {
    test(`an error inside a '${header}' block points at its line and column`, async () => {
      const { found, document } = await ansibleProblems(labWithPlaybook(header, duplicateKeyPlaybook));
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.deepEqual(elementAt(found, 0).range.start, rangeOf(document, 'become', 2).start);
      assert.match(elementAt(found, 0).message, /ansible_config_yaml is not valid YAML: Map keys must be unique/);
    });
  }

  test('an indentation indicator with more-indented content maps columns right', async () => {
    // With `|4` the block indentation is 4 (the key's column) + 4 = 8, not the first line's 10.
    const text = labWithPlaybook('|4', ['  - hosts: all', '    become: true', '    become: false'], '        ');
    const { found, document } = await ansibleProblems(text);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.deepEqual(elementAt(found, 0).range.start, rangeOf(document, 'become', 2).start);
  });

  test('CRLF line endings keep positions right', async () => {
    const text = labWithPlaybook('|', duplicateKeyPlaybook).replace(/\n/g, '\r\n');
    const { found, document } = await ansibleProblems(text);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range.start, rangeOf(document, 'become', 2).start);
  });

  test('blank lines inside the block keep line numbers right', async () => {
    for (const header of ['|', '>']) {
      const { found, document } = await ansibleProblems(
        labWithPlaybook(header, ['- hosts: all', '', '  become: true', '', '', '  become: false']),
      );
      assert.equal(found.length, 1, header);
      assert.deepEqual(elementAt(found, 0).range.start, rangeOf(document, 'become', 2).start, header);
    }
  });
});

describe('ansible_config_yaml problems', () => {
  test('a mapping instead of a list of plays', async () => {
    const { found, document } = await ansibleProblems(labWithPlaybook('|', ['hosts: all', 'tasks: []']));
    assert.equal(found.length, 1);
    assert.match(elementAt(found, 0).message, /must be a YAML list of plays .* but it is a mapping/);
    assert.deepEqual(elementAt(found, 0).range.start, rangeOf(document, 'hosts: all').start);
  });

  test('a play that is not a mapping, and a play without hosts', async () => {
    const { found, document } = await ansibleProblems(labWithPlaybook('|', ['- just a string', '- name: no hosts', '  tasks: []']));
    assert.equal(found.length, 2);
    assert.match(elementAt(found, 0).message, /play 1 is the string "just a string"; each play must be a mapping/);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, 'just a string'));
    assert.match(elementAt(found, 1).message, /play 2 has no 'hosts'/);
    assert.deepEqual(elementAt(found, 1).range.start, rangeOf(document, 'name: no hosts').start);
  });

  test('a quoted string value is checked and reported on the whole scalar', async () => {
    const text = labWithPlaybook('"hosts: all"', []);
    const { found, document } = await ansibleProblems(text);
    assert.equal(found.length, 1);
    assert.deepEqual(elementAt(found, 0).range, rangeOf(document, '"hosts: all"'));
  });

  test('an alias to a playbook is checked where the alias is', async () => {
    const text = labWithPlaybook('&book |', ['hosts: all']).replace(
      '  - name: other\n    vcpu: 1',
      '  - name: other\n    ansible_config_yaml: *book\n    vcpu: 1',
    );
    const { found, document } = await ansibleProblems(text);
    assert.equal(found.length, 2);
    assert.deepEqual(elementAt(found, 1).range, rangeOf(document, '*book'));
  });

  test('a hostile playbook gets the same guards as the document', async () => {
    const { found, document } = await ansibleProblems(labWithPlaybook('|', [`- hosts: ${'['.repeat(20_000)}`]));
    assert.equal(found.length, 1);
    assert.match(elementAt(found, 0).message, /ansible_config_yaml was not checked: Collections are nested more than 100 levels/);
    assert.equal(elementAt(found, 0).range.start.line, rangeOf(document, '- hosts:').start.line);
  });

  test('a playbook that would act outside its VM is flagged at the offending key, with the rule vlm-host applies', async () => {
    const playbook = [
      '- hosts: all',
      '  tasks:',
      '    - ansible.builtin.raw: id',
      '      delegate_to: localhost',
      '    - ansible.builtin.copy:',
      '        src: /etc/shadow',
      '        dest: /tmp/x',
    ];
    const { found, document } = await ansibleProblems(labWithPlaybook('|', playbook));
    assert.deepEqual(
      found.map((item) => item.range.start),
      [rangeOf(document, 'delegate_to').start, rangeOf(document, 'ansible.builtin.copy').start],
    );
    assert.match(
      elementAt(found, 0).message,
      /^ansible_config_yaml would act outside its VM: delegate_to: "localhost" runs the task on another host/,
    );
    assert.match(elementAt(found, 1).message, /copy with src: "\/etc\/shadow" reads that file from the VLM host; set remote_src: true/);
  });

  test('hosts may name the VM itself, not another one', async () => {
    const own = await ansibleProblems(labWithPlaybook('|', ['- hosts: app', '  tasks: []']));
    assert.deepEqual(own.found, []);
    const other = await ansibleProblems(labWithPlaybook('|', ['- hosts: other', '  tasks: []']));
    assert.equal(other.found.length, 1);
    assert.match(elementAt(other.found, 0).message, /hosts: "other" names a host other than this lab's VM; use 'hosts: all' \(or 'app'\)/);
  });

  test('one playbook in several VMs is judged for each VM, at each VM', async () => {
    // The playbook's parse is shared between VMs; what names the VM must not be.
    const shared = (playbook: string[]) => {
      const text = labWithPlaybook('|', playbook);
      return text.replace(
        '  - name: other\n',
        `  - name: other\n    ansible_config_yaml: |\n${playbook.map((line) => `      ${line}\n`).join('')}`,
      );
    };
    const named = await ansibleProblems(shared(['- hosts: app', '  tasks: []']));
    assert.equal(named.found.length, 1, JSON.stringify(named.found));
    assert.match(elementAt(named.found, 0).message, /hosts: "app" names a host other than this lab's VM; use 'hosts: all' \(or 'other'\)/);
    assert.deepEqual(elementAt(named.found, 0).range.start, rangeOf(named.document, 'hosts', 2).start);
    const broken = await ansibleProblems(shared(duplicateKeyPlaybook));
    assert.deepEqual(
      broken.found.map((item) => item.range.start),
      [rangeOf(broken.document, 'become', 2).start, rangeOf(broken.document, 'become', 4).start],
    );
  });
});
