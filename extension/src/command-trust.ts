// Which commands need a trusted folder, decided here once. Only what reads a lab file of the
// workspace needs it (a lab file decides what runs on a host). Actions on the tree's rows act on
// hosts from the user's own settings (Restricted Mode ignores a folder's vlm.hosts), so they stay on.
// Commands carry no `enablement`: a disabled command never runs, and the offer to trust the
// folder ("Manage Workspace Trust") could never appear.

/** Commands that read the lab file they are given (or the active editor's) when not run on a row. */
const labFileCommands = new Set(['vlm.deploy', 'vlm.destroy']);

/** True when the command would act from a lab file of the workspace: it needs the folder trusted. */
export function needsFolderTrust(command: string, target: unknown): boolean {
  return labFileCommands.has(command) && !isTreeRow(target);
}

function isTreeRow(target: unknown): boolean {
  return typeof target === 'object' && target !== null && 'kind' in target && 'hostName' in target && 'contextValue' in target;
}
