// Activation of the built bundle (dist/extension.js) with a recording `vscode`: it starts no
// process and asks nothing. The hosts connect, starting the local vlm-host, only once the view
// shows them, which this test also sees happen, so the check is not vacuous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';

const extensionFolder = join(__dirname, '..');
const bundle = join(extensionFolder, 'dist', 'extension.js');
const hostBundle = join(extensionFolder, '..', 'host-service', 'dist', 'vlm-host.js');

interface Extension {
  activate(context: unknown): void;
  deactivate(): Promise<void>;
}

interface Recording {
  calls: string[];
  listeners: Map<string, ((event: unknown) => void)[]>;
}

/** A `vscode` whose every member works, recording calls of the window's prompts and the listeners given. */
function recordingVscode(recording: Recording): unknown {
  const stub = (path: string): unknown =>
    // A function, not an arrow: `new` on a stub must work.
    // biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be constructed.
    new Proxy(function () {}, {
      get(_target, key) {
        if (key === 'then') return undefined;
        if (key === Symbol.iterator) return function* () {};
        if (key === Symbol.toPrimitive) return () => path;
        if (key === 'get') return (_name: string, fallback: unknown) => fallback;
        if (key === 'visible') return false;
        if (key === 'fsPath' || key === 'path') return `/nonexistent/${path}`;
        return stub(`${path}.${String(key)}`);
      },
      apply(_target, _this, args: unknown[]) {
        recording.calls.push(path);
        if (/\.on[A-Z]\w*$/.test(path) && typeof args[0] === 'function') {
          const list = recording.listeners.get(path) ?? [];
          list.push(args[0] as (event: unknown) => void);
          recording.listeners.set(path, list);
        }
        return stub(`${path}()`);
      },
      construct: () => stub(`new ${path}`) as object,
      // Assignments (an item's name, text, command) are accepted and forgotten.
      set: () => true,
    });
  // esbuild's import helper copies the module's own keys: the namespaces and classes the extension uses.
  const names = `window workspace commands languages env extensions l10n debug tasks authentication Uri EventEmitter
    Disposable TreeItem ThemeIcon ThemeColor ProgressLocation TreeItemCollapsibleState ViewColumn ConfigurationTarget
    CodeLens Range Position Selection Location RelativePattern CancellationTokenSource CancellationError MarkdownString
    Diagnostic DiagnosticSeverity StatusBarAlignment TerminalLocation FileType FileSystemError version TextEdit
    WorkspaceEdit CompletionItem CompletionItemKind context`.split(/\s+/);
  const members = new Map(names.map((name) => [name, stub(`vscode.${name}`)]));
  return new Proxy(
    {},
    {
      get: (_target, key) => (typeof key === 'string' ? members.get(key) : undefined),
      ownKeys: () => names,
      getOwnPropertyDescriptor: (_target, key) => ({ configurable: true, enumerable: true, value: members.get(String(key)) }),
    },
  );
}

test('activation starts no process and shows no prompt; showing the view starts the local host', async () => {
  assert.ok(existsSync(bundle), `${bundle} is missing: run node scripts/build.mjs`);
  assert.ok(existsSync(hostBundle), `${hostBundle} is missing: run node scripts/build.mjs`);
  const recording: Recording = { calls: [], listeners: new Map() };
  const spawned: string[] = [];
  const patched = ['spawn', 'fork', 'exec', 'execFile', 'spawnSync', 'execSync', 'execFileSync'] as const;
  const originals = Object.fromEntries(patched.map((name) => [name, childProcess[name]]));
  const originalLoad = (Module as unknown as { _load: (...args: unknown[]) => unknown })._load;
  const vscode = recordingVscode(recording);
  const previousServer = process.env.VLM_HOST_SERVER;
  // A real list of subscriptions, disposed at the end, so no timer of the extension outlives the test.
  const subscriptions: { dispose(): unknown }[] = [];
  const stubContext = (vscode as { context: object }).context;
  const context = new Proxy(stubContext, { get: (target, key) => (key === 'subscriptions' ? subscriptions : Reflect.get(target, key)) });
  let extension: Extension | undefined;
  try {
    // Where the extension would find a vlm-host to start for the host `local`.
    process.env.VLM_HOST_SERVER = hostBundle;
    for (const name of patched) {
      (childProcess as unknown as Record<string, unknown>)[name] = (command: string) => {
        spawned.push(`${name} ${command}`);
        throw new Error('no process may start in this test');
      };
    }
    (Module as unknown as { _load: (...args: unknown[]) => unknown })._load = function (request: unknown, ...rest: unknown[]) {
      return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
    };
    extension = require(bundle) as Extension;
    extension.activate(context);
    // Let whatever activation began asynchronously run.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(spawned, [], 'activation started a process');
    const prompts = recording.calls.filter((call) => /^vscode\.window\.(show\w+|createQuickPick|createInputBox|withProgress)$/.test(call));
    assert.deepEqual(prompts, [], 'activation asked something');
    // The view shows: the local host connects, which starts its vlm-host (refused here, and seen).
    const visibility = [...recording.listeners.entries()].find(([path]) => path.endsWith('.onDidChangeVisibility'));
    assert.ok(visibility, 'the tree view has no visibility listener');
    for (const listener of visibility[1]) listener({ visible: true });
    const deadline = Date.now() + 5000;
    while (spawned.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(
      (spawned as string[]).some((call) => call.startsWith('spawn ')),
      `showing the view started no vlm-host: ${spawned.join(', ')}`,
    );
  } finally {
    await extension?.deactivate();
    for (const disposable of subscriptions.reverse()) disposable.dispose();
    for (const name of patched) (childProcess as unknown as Record<string, unknown>)[name] = originals[name];
    (Module as unknown as { _load: unknown })._load = originalLoad;
    if (previousServer === undefined) delete process.env.VLM_HOST_SERVER;
    else process.env.VLM_HOST_SERVER = previousServer;
  }
});
