// The panels check the extension's messages with validators generated at build time (a webview's
// CSP forbids the eval that ajv's compile needs): they must decide exactly as the runtime ones do.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { build } from 'esbuild';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
// @ts-expect-error: a plain .mjs build script, without types.
import { standaloneValidators } from '../build/standalone-validators.mjs';

const entry = { id: 'e-1', date: '2026-03-01', amountMinor: 1250, currency: 'EUR', category: 'hosting', note: '' };
const task = {
  id: 't-1',
  title: 'Patch',
  status: 'todo',
  priority: 'normal',
  labels: [],
  links: [],
  order: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
};
const samples: Array<[string, unknown]> = [
  ['ExpensesToPanel', { type: 'entries', entries: [entry], canUndo: true }],
  ['ExpensesToPanel', { type: 'entries', entries: [{ ...entry, amountMinor: 0.5 }], canUndo: true }],
  ['ExpensesToPanel', { type: 'entries', entries: [{ ...entry, script: '<img onerror=alert(1)>' }], canUndo: true }],
  ['ExpensesToPanel', { type: 'error', message: 'x'.repeat(20_001) }],
  ['ExpensesToPanel', { type: 'evaluate', code: 'alert(1)' }],
  ['ExpensesToPanel', 'entries'],
  ['ExpensesToExtension', { type: 'delete', id: 'a b' }],
  ['ExpensesToExtension', { type: 'ready' }],
  [
    'ToolsToPanel',
    {
      type: 'tools',
      tools: [{ id: 't-1', name: '<b>x</b>', url: 'javascript:alert(1)', category: 'c', tags: [], notes: '', healthCheck: true }],
      canUndo: false,
      checking: false,
    },
  ],
  ['ToolsToExtension', { type: 'open', id: 't-1' }],
  ['TasksToPanel', { type: 'board', tasks: [task], roadmaps: [], canUndo: false }],
  ['TasksToPanel', { type: 'board', tasks: [{ ...task, title: 'a\u0007b' }], roadmaps: [], canUndo: false }],
  ['TasksToPanel', { type: 'board', tasks: [{ ...task, status: 'later' }], roadmaps: [], canUndo: false }],
  ['TasksToExtension', { type: 'moveTask', id: 't-1', status: 'doing', beforeId: 't-2' }],
  ['TasksToExtension', { type: 'moveTask', id: 't-1', status: 'doing', beforeId: '../x' }],
];

test('the bundled validators have no eval and decide as the runtime ones', async () => {
  const output = await build({
    stdin: {
      contents: "import { checkPanelMessage } from '@vlm/schemas/src/panel-messages'; globalThis.check = checkPanelMessage;",
      resolveDir: join(__dirname, '..'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    plugins: [standaloneValidators()],
  });
  const code = output.outputFiles[0]?.text ?? '';
  assert.doesNotMatch(code, /new Function|\beval\(/);
  const sandbox: { check?: typeof checkPanelMessage } = {};
  runInNewContext(code, { globalThis: sandbox });
  for (const [definition, message] of samples) {
    const name = definition as 'ExpensesToPanel';
    assert.deepEqual(JSON.parse(JSON.stringify(sandbox.check?.(name, message))), checkPanelMessage(name, message), JSON.stringify(message));
  }
});
