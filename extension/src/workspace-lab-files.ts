// The workspace's `*.lab.yaml` files and the lab each names, kept current as files are created,
// changed, deleted or renamed (a rename is a delete plus a create for the watcher).
import * as vscode from 'vscode';
import { readLabHeader } from './lab-document';
import type { WorkspaceLabFile } from './workspace-lab-rows';

const labFileGlob = '**/*.{lab.yaml,lab.yml}';
/** A lab file larger than this is not read for the tree (lab files are a few KiB). */
const largestLabFileBytes = 1024 * 1024;
/** How many lab files the tree lists at most. */
const mostLabFiles = 500;

export class WorkspaceLabFiles implements vscode.Disposable {
  private readonly byUri = new Map<string, WorkspaceLabFile>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(labFileGlob);
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate((uri) => void this.read(uri)),
      watcher.onDidChange((uri) => void this.read(uri)),
      watcher.onDidDelete((uri) => this.forget(uri)),
      // Edits show in the tree once saved, as the watcher sees them: an unsaved name is not the lab's yet.
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.readAll()),
      this.changeEmitter,
    );
    void this.readAll();
  }

  files(): WorkspaceLabFile[] {
    return [...this.byUri.values()];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private async readAll(): Promise<void> {
    const uris = await vscode.workspace.findFiles(labFileGlob, '**/node_modules/**', mostLabFiles);
    this.byUri.clear();
    await Promise.all(uris.map((uri) => this.read(uri, false)));
    this.changeEmitter.fire();
  }

  private async read(uri: vscode.Uri, announce = true): Promise<void> {
    let file: WorkspaceLabFile | undefined;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size <= largestLabFileBytes) {
        const header = readLabHeader(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
        if (header?.name) file = { uri: uri.toString(), path: vscode.workspace.asRelativePath(uri), name: header.name, host: header.host };
      }
    } catch {
      // Gone between the event and the read: the delete event follows.
    }
    if (file) this.byUri.set(uri.toString(), file);
    else this.byUri.delete(uri.toString());
    if (announce) this.changeEmitter.fire();
  }

  private forget(uri: vscode.Uri): void {
    if (this.byUri.delete(uri.toString())) this.changeEmitter.fire();
  }
}
