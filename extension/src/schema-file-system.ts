// The read-only `vlm-schema:` file system: serves the lab schema the extension ships, so that
// `$schema` URIs resolve in VS Code without a network (VS Code's JSON and YAML support read
// non-http schemas through the workspace's file systems). Registered at activation, and the
// manifest's onFileSystem:vlm-schema activates the extension when something asks for one.
import * as vscode from 'vscode';
import { schemaFileOf, schemaFolderEntries, schemaScheme } from './schema-files';

class SchemaFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  constructor(private readonly extensionUri: vscode.Uri) {}

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const file = schemaFileOf(uri.path);
    if (file) return { ...(await vscode.workspace.fs.stat(vscode.Uri.joinPath(this.extensionUri, file))), type: vscode.FileType.File };
    if (schemaFolderEntries(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const entries = schemaFolderEntries(uri.path);
    if (!entries) throw vscode.FileSystemError.FileNotFound(uri);
    return entries.map((name) => [name, name.endsWith('.json') ? vscode.FileType.File : vscode.FileType.Directory]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const file = schemaFileOf(uri.path);
    if (!file) throw vscode.FileSystemError.FileNotFound(uri);
    return vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, file));
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}

export function registerSchemaFileSystem(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.workspace.registerFileSystemProvider(schemaScheme, new SchemaFileSystem(context.extensionUri), {
      isReadonly: true,
      isCaseSensitive: true,
    }),
  );
}
