// One measurement in a fresh process: loads a module with `vscode` stubbed and, for the
// extension, calls activate(). Prints milliseconds. Used by activation.bench.ts.
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

// Every property is a function that returns another stub, so any VS Code call "works".
function stub() {
  // biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be constructed, and `new` on a stub must work.
  const target = function () {};
  return new Proxy(target, {
    get(_target, key) {
      // A pending promise: what VS Code's prompts are until a user answers.
      if (key === 'then') return () => {};
      // Settings read their defaults.
      if (key === 'get') return (_name, fallback) => fallback;
      if (key === Symbol.toPrimitive) return () => '';
      if (key === Symbol.iterator) return function* () {};
      return stub();
    },
    apply: () => stub(),
    construct: () => stub(),
    // Assignments (a status bar item's name, text, command) are accepted and forgotten.
    set: () => true,
  });
}
// Any member is a stub; esbuild's import helper copies the listed keys, so the namespaces our own
// code imports are listed.
const apiNames = [
  'window',
  'workspace',
  'commands',
  'languages',
  'env',
  'extensions',
  'l10n',
  'debug',
  'tasks',
  'scm',
  'tests',
  'authentication',
  'Uri',
  'EventEmitter',
  'Disposable',
  'TreeItem',
  'ThemeIcon',
  'ThemeColor',
  'ProgressLocation',
  'TreeItemCollapsibleState',
  'ViewColumn',
  'ConfigurationTarget',
  'CodeLens',
  'Range',
  'Position',
  'Selection',
  'Location',
  'RelativePattern',
  'CancellationTokenSource',
  'CancellationError',
  'MarkdownString',
  'Diagnostic',
  'DiagnosticSeverity',
  'StatusBarAlignment',
  'TerminalLocation',
  'FileType',
  'version',
  'TextEdit',
  'WorkspaceEdit',
  'CompletionItem',
  'CompletionItemKind',
];
const members = new Map();
const member = (key) => {
  if (!members.has(key)) members.set(key, stub());
  return members.get(key);
};
const vscodeStub = new Proxy(
  {},
  {
    get: (_target, key) => (key === '__esModule' || key === 'then' ? undefined : member(key)),
    ownKeys: () => apiNames,
    getOwnPropertyDescriptor: (_target, key) => ({ configurable: true, enumerable: true, value: member(key) }),
  },
);
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscodeStub;
  return originalLoad.call(this, request, ...rest);
};

const [file, mode] = process.argv.slice(2);
const started = performance.now();
const loaded = require(file);
if (mode === 'activate') loaded.activate(stub());
const elapsed = performance.now() - started;
process.stdout.write(`${elapsed}\n`);
// The stubbed language client would wait forever; the measurement is done.
process.exit(0);
