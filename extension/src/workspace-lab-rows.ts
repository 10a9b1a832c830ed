// The workspace's lab files in the Hosts view: a file whose lab its host has not deployed shows
// under that host with a Deploy action; a deployed lab's row learns its file, so a click opens
// it. Files naming a host that is not in the settings go to a "Workspace" group. No `vscode`
// import: unit-tested.
import type { HostSnapshot } from './host-snapshot';
import type { RowLook } from './tree-row-look';
import { workspaceGroupContext, workspaceLabContext } from './row-context';
import { labsTree, matchesFilter, type HostRow, type LabRow, type VmRowCache } from './labs-tree-model';

/** A `*.lab.yaml` of the workspace, as its header reads. */
export interface WorkspaceLabFile {
  /** The file's URI, as text. */
  uri: string;
  /** Its path relative to the workspace, for the row's description. */
  path: string;
  /** The lab's top-level `name:`. */
  name: string;
  /** The lab's `host:` (`local` when absent). */
  host: string;
}

export interface WorkspaceLabRow extends RowLook {
  kind: 'workspaceLab';
  /** The host the file names; the Deploy action sends it there. */
  hostName: string;
  labName: string;
  fileUri: string;
  /** The id of the row it sits under (a host, or the Workspace group). */
  parentId: string;
}

export interface WorkspaceGroupRow extends RowLook {
  kind: 'workspaceGroup';
  hostName: '';
  children: WorkspaceLabRow[];
}

export const workspaceGroupId = 'workspace';

export interface PlacedWorkspaceLabs {
  /** Rows for labs not deployed yet, by the host they name. */
  byHost: Map<string, WorkspaceLabRow[]>;
  /** The file of each deployed lab, by `host/lab`. */
  deployedFiles: Map<string, WorkspaceLabFile>;
  /** Files naming a host that is not in the settings; undefined when there are none. */
  group: WorkspaceGroupRow | undefined;
}

export function deployedKey(hostName: string, labName: string): string {
  return `${hostName}/${labName}`;
}

function workspaceLabRow(file: WorkspaceLabFile, parentId: string, description: string, note: string): WorkspaceLabRow {
  return {
    kind: 'workspaceLab',
    id: `workspaceLab/${file.uri}`,
    label: file.name,
    description: `${description} · ${file.path}`,
    tooltip: [`Lab ${file.name}, from ${file.path} in this workspace`, note, 'Click to open the file.'].join('\n'),
    icon: { codicon: 'file-code' },
    contextValue: workspaceLabContext(),
    hostName: file.host,
    labName: file.name,
    fileUri: file.uri,
    parentId,
  };
}

/** Where each workspace lab file shows; files are taken in path order, so rows keep their place. */
export function placeWorkspaceLabs(
  files: readonly WorkspaceLabFile[],
  snapshots: readonly HostSnapshot[],
  filter = '',
): PlacedWorkspaceLabs {
  const byHost = new Map<string, WorkspaceLabRow[]>();
  const deployedFiles = new Map<string, WorkspaceLabFile>();
  const unknownHost: WorkspaceLabRow[] = [];
  const hosts = new Map(snapshots.map((snapshot) => [snapshot.host.name, snapshot]));
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const snapshot = hosts.get(file.host);
    if (!snapshot) {
      if (matchesFilter(filter, file.name, [])) {
        const note = `Its host: field names "${file.host}", which is not in your settings: add that host, or change the field.`;
        unknownHost.push(workspaceLabRow(file, workspaceGroupId, `host ${file.host} unknown`, note));
      }
      continue;
    }
    const connected = snapshot.state.status === 'connected';
    if (connected && snapshot.labs.some((lab) => lab.name === file.name)) {
      // The first file of a lab name wins; a second file of the same lab still shows below.
      if (!deployedFiles.has(deployedKey(file.host, file.name))) {
        deployedFiles.set(deployedKey(file.host, file.name), file);
        continue;
      }
    }
    if (!matchesFilter(filter, file.name, [])) continue;
    const row = connected
      ? workspaceLabRow(file, `host/${file.host}`, 'not deployed', `Not deployed on ${file.host} yet: Deploy sends it there.`)
      : workspaceLabRow(file, `host/${file.host}`, 'lab file', `Host ${file.host} is not connected: whether it is deployed is not known.`);
    byHost.set(file.host, [...(byHost.get(file.host) ?? []), row]);
  }
  const group: WorkspaceGroupRow | undefined =
    unknownHost.length === 0
      ? undefined
      : {
          kind: 'workspaceGroup',
          id: workspaceGroupId,
          label: 'Workspace',
          description: 'lab files for hosts not in your settings',
          tooltip: 'Lab files of this workspace whose host: field names a host that is not in your settings (vlm.hosts).',
          icon: { codicon: 'folder-library' },
          contextValue: workspaceGroupContext(),
          hostName: '',
          children: unknownHost,
        };
  return { byHost, deployedFiles, group };
}

/** The whole view: each host with its labs and its workspace lab files, then the Workspace group. */
export function labsTreeWithWorkspace(
  snapshots: readonly HostSnapshot[],
  files: readonly WorkspaceLabFile[],
  filter = '',
  now = Date.now(),
  cache?: VmRowCache,
): (HostRow<LabRow | WorkspaceLabRow> | WorkspaceGroupRow)[] {
  const placed = placeWorkspaceLabs(files, snapshots, filter);
  const hosts = labsTree(snapshots, filter, now, cache).map((host): HostRow<LabRow | WorkspaceLabRow> => {
    for (const child of host.children) {
      const file = child.kind === 'lab' ? placed.deployedFiles.get(deployedKey(host.hostName, child.labName)) : undefined;
      if (!file || child.kind !== 'lab') continue;
      child.fileUri = file.uri;
      child.tooltip += `\nFile: ${file.path} (click to open)`;
    }
    return { ...host, children: [...host.children, ...(placed.byHost.get(host.hostName) ?? [])] };
  });
  return placed.group ? [...hosts, placed.group] : hosts;
}
