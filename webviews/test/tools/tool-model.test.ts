// The Tools catalog's model: which URLs are kept (hostile ones refused with a sentence that names
// the field and never repeats a password), field checks, add/edit/delete with undo on the list
// as it is then, health results recorded only for the URL checked, filtering and health words.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tool, ToolFields } from '@vlm/schemas';
import { dashboardDataProblem, emptySections } from '../../src/store/dashboard-data';
import { filterTools, categoriesOf, healthSummary, tagsOf, toolsDueForCheck } from '../../src/tools/model/tool-catalog-view';
import { applyToolChange, recordHealth, undoToolChange } from '../../src/tools/model/tool-changes';
import { parseTags, toolFieldsProblems } from '../../src/tools/model/tool-fields';
import { normalizedToolUrl, toolUrlProblem } from '../../src/tools/model/tool-url';

const fields: ToolFields = {
  name: 'Grafana',
  url: 'https://grafana.example.com/',
  category: 'monitoring',
  tags: ['ops', 'metrics'],
  notes: '',
  healthCheck: true,
};

function ids(): () => string {
  let next = 0;
  return () => `t-${++next}`;
}

describe('tool URLs', () => {
  test('http and https with a host are kept, written back by the URL parser', () => {
    for (const url of ['http://127.0.0.1:8080/x?y=1#z', 'https://grafana.example.com', 'HTTPS://Example.COM/a b'.replace(' ', '%20')]) {
      assert.equal(toolUrlProblem(url), undefined, url);
    }
    assert.equal(normalizedToolUrl('HTTPS://Example.COM'), 'https://example.com/');
  });

  test('hostile and wrong URLs are refused, each with its reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['javascript:alert(1)', /^javascript: links are not allowed; only http:\/\/ and https:\/\/$/],
      ['JavaScript:alert(1)', /^javascript: links are not allowed/],
      ['data:text/html,<script>alert(1)</script>', /^data: links are not allowed/],
      ['file:///etc/passwd', /^file: links are not allowed/],
      ['http://user:pass@x', /must not hold a user name or password/],
      ['https://token@github.com/', /must not hold a user name or password/],
      ['http://example.com/\nhttp://evil', /control character such as a line break or tab at position 20/],
      ['http://example.com/\t', /control character/],
      ['http://exa\u0085mple.com', /control character/],
      ['http://example.com/a b', /a space \(write it as %20\) at position 21/],
      [`https://example.com/${'a'.repeat(2980)}`, /it has 3000 characters; at most 2048 are allowed/],
      ['example.com', /must start with http:\/\/ or https:\/\//],
      ['http:example.com', /no host after http:\/\/ or https:\/\//],
      ['http://', /not a valid URL/],
      ['', /give one/],
    ];
    for (const [url, reason] of cases) assert.match(toolUrlProblem(url) ?? 'accepted', reason, JSON.stringify(url));
    assert.doesNotMatch(toolUrlProblem('http://user:s3cret@x') ?? '', /s3cret/);
  });
});

describe('tool fields', () => {
  test('each problem names its field', () => {
    assert.deepEqual(toolFieldsProblems(fields), []);
    const problems = toolFieldsProblems({
      name: ' ',
      url: 'javascript:alert(1)',
      category: 'a\nb',
      tags: ['ops', 'OPS', 'x'.repeat(51)],
      notes: 'n'.repeat(65_537),
      healthCheck: true,
    });
    assert.deepEqual(
      problems.map((problem) => problem.split(':')[0]),
      ['Name', 'URL', 'Category', 'Tags', 'Tag "xxxxxxxxxxxxxxxxxxxx"', 'Notes'],
    );
    assert.match(problems.join('\n'), /Tags: "OPS" is given twice/);
  });

  test('tags are typed comma-separated', () => {
    assert.deepEqual(parseTags(' ops, metrics ,, '), ['ops', 'metrics']);
    assert.deepEqual(parseTags(''), []);
  });

  test('the dashboard file refuses a tool with a hostile URL written by hand', () => {
    const tool: Tool = { id: 't-1', ...fields, url: 'http://admin:hunter2@example.com/' };
    const problem = dashboardDataProblem({ ...emptySections(), schema_version: 2, revision: 0, tools: [tool] });
    assert.match(problem ?? '', /^tools\[0\] URL: it must not hold a user name or password/);
    assert.doesNotMatch(problem ?? '', /hunter2/);
  });
});

describe('tool changes', () => {
  test('add, edit, delete, each undone on the list as it is then', () => {
    const tools: Tool[] = [];
    const newId = ids();
    const added = applyToolChange(tools, { type: 'add', fields: { ...fields, name: '  <script>alert(1)</script> ' } }, newId);
    assert.equal(tools[0]?.name, '<script>alert(1)</script>', 'kept as written, shown as text');
    applyToolChange(tools, { type: 'add', fields: { ...fields, name: 'Other' } }, newId);
    tools[0] = { ...(tools[0] as Tool), health: { checkedAt: '2026-11-29T10:00:00.000Z', status: 200, latencyMs: 3 } };
    const renamed = applyToolChange(tools, { type: 'edit', id: 't-1', fields: { ...fields, name: 'Grafana' } }, newId);
    assert.equal(tools[0]?.health?.status, 200, 'same URL: the last result still holds');
    applyToolChange(tools, { type: 'edit', id: 't-1', fields: { ...fields, url: 'https://other.example.com' } }, newId);
    assert.equal(tools[0]?.health, undefined, 'a new URL has no result yet');
    assert.equal(tools[0]?.url, 'https://other.example.com/');
    const deleted = applyToolChange(tools, { type: 'delete', id: 't-2' }, newId);
    assert.deepEqual(
      tools.map((tool) => tool.id),
      ['t-1'],
    );
    undoToolChange(tools, deleted);
    assert.deepEqual(
      tools.map((tool) => tool.id),
      ['t-1', 't-2'],
    );
    undoToolChange(tools, renamed);
    assert.equal(tools[0]?.name, '<script>alert(1)</script>');
    undoToolChange(tools, added);
    assert.deepEqual(
      tools.map((tool) => tool.id),
      ['t-2'],
    );
  });

  test('a bad change or a missing tool changes nothing and says why', () => {
    const tools: Tool[] = [{ id: 't-1', ...fields }];
    const before = structuredClone(tools);
    assert.throws(
      () => applyToolChange(tools, { type: 'add', fields: { ...fields, url: 'javascript:alert(1)' } }, ids()),
      /^ToolChangeError: The tool was not added: URL: javascript: links are not allowed/,
    );
    assert.throws(() => applyToolChange(tools, { type: 'delete', id: 'gone' }, ids()), /no longer exists/);
    const full: Tool[] = Array.from({ length: 10_000 }, (_, index) => ({ id: `t-${index}`, ...fields }));
    assert.throws(() => applyToolChange(full, { type: 'add', fields }, ids()), /at most 10000 tools; delete one first/);
    assert.throws(() => undoToolChange(tools, { type: 'revert', entry: { id: 'gone', ...fields } }), /the tool no longer exists/);
    assert.deepEqual(tools, before);
  });

  test('a health result is recorded only for the URL that was checked', () => {
    const tools: Tool[] = [
      { id: 't-1', ...fields },
      { id: 't-2', ...fields, healthCheck: false },
    ];
    const health = { checkedAt: '2026-11-29T10:00:00.000Z', status: 204, latencyMs: 4 };
    assert.equal(recordHealth(tools, 't-1', 'https://changed.example.com/', health), false);
    assert.equal(recordHealth(tools, 't-2', fields.url, health), false, 'the user turned checks off');
    assert.equal(recordHealth(tools, 'gone', fields.url, health), false);
    assert.equal(recordHealth(tools, 't-1', fields.url, health), true);
    assert.deepEqual(tools[0]?.health, health);
  });
});

describe('the catalog view', () => {
  const tools: Tool[] = [
    { id: 'a', ...fields, name: 'Zabbix', tags: ['ops'] },
    { id: 'b', ...fields, name: 'argo', category: 'deploy', tags: ['ci'] },
    { id: 'c', ...fields, name: 'Grafana', tags: ['ops', 'metrics'] },
  ];

  test('filters by text in name, category or tag, by category and by tag; sorted by name', () => {
    const names = (filter: Parameters<typeof filterTools>[1]) => filterTools(tools, filter).map((tool) => tool.name);
    assert.deepEqual(names({}), ['argo', 'Grafana', 'Zabbix']);
    assert.deepEqual(names({ text: 'GRAF' }), ['Grafana']);
    assert.deepEqual(names({ text: 'deploy' }), ['argo']);
    assert.deepEqual(names({ text: 'metr' }), ['Grafana']);
    assert.deepEqual(names({ category: 'monitoring', tag: 'ops' }), ['Grafana', 'Zabbix']);
    assert.deepEqual(names({ tag: 'metrics', text: 'zab' }), []);
    assert.deepEqual(categoriesOf(tools), ['deploy', 'monitoring']);
    assert.deepEqual(tagsOf(tools), ['ci', 'metrics', 'ops']);
  });

  test('health in words, and which tools are due', () => {
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 29, 10, minutes)).toISOString();
    const tool = (health?: Tool['health'], healthCheck = true): Tool => ({
      id: 'x',
      ...fields,
      healthCheck,
      ...(health ? { health } : {}),
    });
    assert.deepEqual(healthSummary(tool({ checkedAt: at(0), status: 200, latencyMs: 12 })), { kind: 'up', text: 'Up · HTTP 200 · 12 ms' });
    assert.deepEqual(healthSummary(tool({ checkedAt: at(0), status: 500, latencyMs: 3 })), {
      kind: 'down',
      text: 'Down · HTTP 500 · 3 ms',
    });
    assert.deepEqual(healthSummary(tool({ checkedAt: at(0), error: 'connection refused' })), {
      kind: 'down',
      text: 'Down: connection refused',
    });
    assert.equal(healthSummary(tool()).text, 'Not checked yet');
    assert.equal(healthSummary(tool(undefined, false)).kind, 'off');
    const now = new Date(at(30));
    const due = toolsDueForCheck(
      [
        tool(),
        { ...tool({ checkedAt: at(20) }), id: 'recent' },
        { ...tool({ checkedAt: at(10) }), id: 'old' },
        { ...tool(undefined, false), id: 'off' },
      ],
      now,
      15 * 60_000,
    );
    assert.deepEqual(
      due.map((candidate) => candidate.id),
      ['x', 'old'],
    );
  });
});
