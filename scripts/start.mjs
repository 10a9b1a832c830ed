// `npm start`: installs what is missing, builds, then runs the main job on the embedded default:
// the lab language server, started as its own process and spoken to over LSP, validating the
// example labs. Prints one line per problem, like `vlm validate`.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureNpmDependencies } from './ensure-installed.mjs';
import { repositoryRoot } from './paths.mjs';

ensureNpmDependencies();
await import('./build.mjs');
const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import('vscode-jsonrpc/node.js');

const examplesFolder = process.argv[2] ?? join(repositoryRoot, 'schemas', 'examples');
const files = readdirSync(examplesFolder).filter((file) => /\.lab\.ya?ml$/.test(file)).map((file) => join(examplesFolder, file));
const serverPath = join(repositoryRoot, 'language-server', 'dist', 'server.js');
const server = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));

const pending = new Map(files.map((file) => [pathToFileURL(file).href, file]));
const results = new Map();
const allPublished = new Promise((resolve) => {
  connection.onNotification('textDocument/publishDiagnostics', ({ uri, diagnostics }) => {
    if (!pending.has(uri)) return;
    results.set(uri, diagnostics);
    if (results.size === pending.size) resolve();
  });
});
connection.onRequest('workspace/configuration', ({ items }) => items.map(() => ({})));
connection.listen();

const started = performance.now();
await connection.sendRequest('initialize', {
  processId: process.pid,
  rootUri: pathToFileURL(examplesFolder).href,
  capabilities: { workspace: { configuration: true } },
});
connection.sendNotification('initialized', {});
for (const [uri, file] of pending) {
  connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(file, 'utf8') },
  });
}
const timeout = setTimeout(() => {
  console.error('The language server did not publish diagnostics for every example within 30 s.');
  process.exit(1);
}, 30_000);
await allPublished;
clearTimeout(timeout);

const severities = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
let errors = 0;
for (const [uri, file] of pending) {
  const diagnostics = results.get(uri);
  const path = relative(process.cwd(), file);
  for (const { range, severity, message, code } of diagnostics) {
    if (severity === 1) errors++;
    console.log(`${path}:${range.start.line + 1}:${range.start.character + 1}: ${severities[severity] ?? 'error'}: ${message}${code ? ` [${code}]` : ''}`);
  }
  if (diagnostics.length === 0) console.log(`${path}: ok`);
}
console.log(`\nThe language server validated ${files.length} example labs in ${Math.round(performance.now() - started)} ms: ${errors} errors.`);
await connection.sendRequest('shutdown');
connection.sendNotification('exit');
connection.dispose();
process.exitCode = errors > 0 ? 1 : 0;
