// A minimal LSP client for the tests: talks JSON-RPC over streams, answers
// workspace/configuration from a settings table, and lets tests wait for published diagnostics.
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { MessageConnection } from 'vscode-languageserver-protocol/node';
import { createConnection } from 'vscode-languageserver/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { startLabServer } from '../src/lab-server';
import type { LabLanguageService } from '../src/language-service';
import { elementAt } from './lab-text';

export interface TestClient {
  connection: MessageConnection;
  /** `vlm` settings by document URI; documents not listed get validation enabled. */
  settings: Map<string, unknown>;
  published: PublishDiagnosticsParams[];
  /**
   * Resolves with the first publication matching `accept` among those from index `after` of
   * `published` on (already received or still to come).
   */
  diagnostics(accept: (publication: PublishDiagnosticsParams) => boolean, what: string, after?: number): Promise<PublishDiagnosticsParams>;
  configurationRequests: number;
  dispose(): void;
}

export function connectClient(input: Readable, output: Writable, onDispose: () => void = () => {}): TestClient {
  const connection = createMessageConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const waiters: Array<{
    accept: (publication: PublishDiagnosticsParams) => boolean;
    resolve: (publication: PublishDiagnosticsParams) => void;
  }> = [];
  const client: TestClient = {
    connection,
    settings: new Map(),
    published: [],
    configurationRequests: 0,
    diagnostics(accept, what, after = 0) {
      const timeoutMilliseconds = 15_000;
      const already = client.published.slice(after).find(accept);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no publishDiagnostics ${what} within ${timeoutMilliseconds} ms; got ${JSON.stringify(client.published.map((p) => [p.uri, p.version, p.diagnostics.map((d) => d.code)]))}`,
              ),
            ),
          timeoutMilliseconds,
        );
        waiters.push({
          accept,
          resolve: (publication) => {
            clearTimeout(timer);
            resolve(publication);
          },
        });
      });
    },
    dispose() {
      connection.dispose();
      onDispose();
    },
  };
  connection.onNotification('textDocument/publishDiagnostics', (publication: PublishDiagnosticsParams) => {
    client.published.push(publication);
    for (let index = waiters.length - 1; index >= 0; index--) {
      const waiter = elementAt(waiters, index);
      if (waiter.accept(publication)) {
        waiters.splice(index, 1);
        waiter.resolve(publication);
      }
    }
  });
  connection.onRequest('workspace/configuration', (request: { items: Array<{ scopeUri?: string; section?: string }> }) => {
    client.configurationRequests++;
    return request.items.map((item) =>
      item.section === 'vlm' ? (client.settings.get(item.scopeUri ?? '') ?? { validation: { enable: true } }) : null,
    );
  });
  connection.onNotification('window/logMessage', () => {});
  connection.listen();
  return client;
}

/** The real server (startLabServer) on one side of in-memory streams, a test client on the other. */
export function inMemoryServer(debounceMilliseconds = 30, service?: LabLanguageService): TestClient {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startLabServer(serverConnection, { debounceMilliseconds, service });
  return connectClient(toClient, toServer, () => {
    serverConnection.dispose();
    toServer.end();
    toClient.end();
  });
}

export const initializeParams = {
  processId: null,
  rootUri: null,
  capabilities: {
    workspace: { configuration: true },
    textDocument: {
      publishDiagnostics: { versionSupport: true },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
      completion: { completionItem: { snippetSupport: true } },
      hover: { contentFormat: ['markdown', 'plaintext'] },
    },
  },
};

const repositoryRoot = join(import.meta.dirname, '..', '..');
const bundle = join(repositoryRoot, 'language-server', 'dist', 'server.js');

export interface BundledServer {
  client: TestClient;
  child: ChildProcess;
  /** How the process ended, once it has. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The end of what the process wrote to standard error. */
  stderr(): string;
  /** Ends the connection, and the process if it still runs. */
  dispose(): void;
}

/** Builds the server bundle and starts it as a process over stdio, with these node options. */
export function startBundledServer(nodeOptions: string[] = []): BundledServer {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'language-server/'], { cwd: repositoryRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, `node scripts/build.mjs failed, so the server bundle cannot be tested:\n${build.stderr}${build.stdout}`);
  assert.ok(existsSync(bundle), `the build did not produce ${bundle}`);
  const child = spawn(process.execPath, [...nodeOptions, bundle, '--stdio'], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const client = connectClient(child.stdout, child.stdin);
  return {
    client,
    child,
    exited,
    stderr: () => stderr,
    dispose() {
      client.dispose();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
