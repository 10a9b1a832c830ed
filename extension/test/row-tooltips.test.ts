// Markdown tooltips of VM rows: what they say, the actions they link to, and names from a host
// (untrusted) that must stay text: no link, no HTML, no command link of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLink, markdownText, tooltipCommands } from '../src/markdown-text';
import { uptimeWords, vmFactLines, vmTooltipMarkdown } from '../src/vm-tooltip';
import type { VmSnapshot } from '../src/host-snapshot';

const hostile = [
  '[click](command:vlm.vm.delete?%5B%5D)',
  '<img src=x onerror=alert(1)>',
  'https://evil.example/x',
  '**bold** _it_ `code`',
  '](command:workbench.action.terminal.new)',
  'line\n# heading\n- item',
  '&lt;b&gt; \\[escaped\\]',
];

/** The link targets in Markdown, outside escaped brackets. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/(?<!\\)\[(?:\\.|[^\]\\])*(?<!\\)\]\(([^)]*)\)/g)].map((match) => match[1] ?? '');
}

test('host words become text: every punctuation mark is escaped, so nothing links, tags or formats', () => {
  for (const name of hostile) {
    const text = markdownText(name);
    assert.deepEqual(linkTargets(text), [], name);
    assert.doesNotMatch(text, /(?<!\\)[<>[\]()*_`&#]/, name);
    assert.doesNotMatch(text, /\n/, name);
    // Unescaped, it reads as the name again.
    assert.equal(text.replace(/\\(.)/g, '$1'), name.replace(/[\r\n]+/g, ' '));
  }
});

test("a VM's tooltip says its state, lab, host, SSH port and tags, and links only to its state's actions", () => {
  const vm: VmSnapshot = {
    name: 'web',
    domain: 'demo.web',
    status: 'running',
    tags: ['front'],
    sshPort: 22001,
    details: ['1 vCPU, 128 MiB'],
  };
  const markdown = vmTooltipMarkdown({ hostName: 'local', labName: 'demo', vm, stateWords: 'running' });
  assert.match(markdown, /^\*\*web\*\* · running {2}\nLab: demo on local/);
  assert.match(markdown, /SSH: port 22001 on the host's loopback/);
  assert.match(markdown, /Tags: front/);
  const commands = linkTargets(markdown).map((target) => /^command:([\w.]+)\?/.exec(target)?.[1]);
  assert.deepEqual(commands, [
    'vlm.vm.stop',
    'vlm.vm.restart',
    'vlm.vm.openSerialConsole',
    'vlm.showVmDetails',
    'vlm.vm.openSshTerminal',
    'vlm.vm.copySshCommand',
  ]);
  for (const command of commands) assert.ok((tooltipCommands as readonly string[]).includes(command ?? ''), command);
  const [target] = linkTargets(markdown);
  assert.deepEqual(JSON.parse(decodeURIComponent(target?.split('?')[1] ?? '')), {
    kind: 'vm',
    hostName: 'local',
    labName: 'demo',
    vmName: 'web',
    domain: 'demo.web',
    sshPort: 22001,
  });
  const paused = vmTooltipMarkdown({ hostName: 'local', labName: '', vm: { name: 'p', status: 'paused', tags: [] }, stateWords: 'paused' });
  assert.deepEqual(
    linkTargets(paused).map((link) => link.split('?')[0]),
    ['command:vlm.vm.resume'],
  );
  assert.match(paused, /In no lab, on local/);
});

test('hostile VM, lab, host names, tags and images never add a link; the command links carry them encoded whole', () => {
  for (const name of hostile) {
    const vm: VmSnapshot = { name, domain: name, status: 'stopped', tags: [name], description: name, details: [name] };
    const markdown = vmTooltipMarkdown({ hostName: name, labName: name, vm, stateWords: 'stopped' });
    const targets = linkTargets(markdown);
    assert.deepEqual(
      targets.map((target) => target.split('?')[0]),
      ['command:vlm.vm.start'],
      name,
    );
    // The arguments decode to the names exactly; no ( ) ' breaks the link's target.
    assert.doesNotMatch(targets[0]?.split('?')[1] ?? '', /[()'\s[\]]/);
    assert.equal(JSON.parse(decodeURIComponent(targets[0]?.split('?')[1] ?? '')).vmName, name);
    assert.doesNotMatch(markdown, /(?<!\\)<img/);
    const facts = vmFactLines(name, name, {
      definition: { name: 'x', vms: [{ name, os_image: name, networks: [{ name: 'net', ip: name }] }] } as never,
    });
    assert.deepEqual(linkTargets(facts), [], name);
    assert.match(facts, /^Image: /);
  }
  assert.deepEqual(linkTargets(commandLink('a](command:evil)', 'vlm.vm.start', {})).length, 1);
});

test('the host facts add image, addresses and uptime when known', () => {
  const facts = vmFactLines('web', 'demo.web', {
    definition: {
      name: 'demo',
      vms: [{ name: 'web', os_image: 'vlm-tiny', networks: ['mgmt', { name: 'lan', ip: '10.0.0.5' }] }],
    } as never,
    intervals: {
      now: '2026-11-29T16:05:00Z',
      intervals: [
        {
          domain: 'demo.web',
          uuid: 'u',
          lab: 'demo',
          vm: 'web',
          vcpu: 1,
          memoryBytes: 1,
          diskBytes: 0,
          start: '2026-11-29T10:00:00Z',
          stop: '2026-11-29T11:00:00Z',
        },
        { domain: 'demo.web', uuid: 'u', lab: 'demo', vm: 'web', vcpu: 1, memoryBytes: 1, diskBytes: 0, start: '2026-11-29T13:00:00Z' },
      ],
    },
  });
  assert.equal(facts, 'Image: vlm\\-tiny  \nIP: 10\\.0\\.0\\.5 \\(lan\\)  \nUp for 3 h 5 min');
  assert.equal(vmFactLines('web', 'demo.web', {}), '');
  assert.equal(uptimeWords('2026-11-29T16:04:18Z', '2026-11-29T16:05:00Z'), '42 s');
  assert.equal(uptimeWords('2026-11-20T16:00:00Z', '2026-11-29T17:00:00Z'), '9 days 1 h');
  assert.equal(uptimeWords('not a time', '2026-11-29T17:00:00Z'), undefined);
});
