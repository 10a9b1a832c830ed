// The lab snapshot commands: one named snapshot of every VM of a lab, taken, reverted, listed and deleted.
import { helpOption, type Command } from '../command-table';
import { hostOption, jsonOption, yesOption } from '../host-options';

const nameDetail =
  "LAB is the lab's name on the host; NAME is a snapshot name: letters, digits, '_', '.' and '-',\n" +
  'starting with a letter or digit, at most 63 characters.';
const exitDetail =
  'Exit status: 0 done, 1 the host refused or failed (the message says where each VM is),\n' +
  '2 a wrong command line (or no --yes without a terminal), 3 the host cannot be reached, 130 Ctrl-C.';

export const labSnapshotCommands: readonly Command[] = [
  {
    words: ['lab', 'snapshot'],
    summary: 'Snapshot every VM of a lab under one name, with all of them paused meanwhile.',
    operandsUsage: 'LAB NAME',
    details: [
      nameDetail,
      'The running VMs are all paused, each VM is snapshotted, then the paused ones resume: every\n' +
        'part holds the same moment of the lab. If one VM cannot be snapshotted, the parts taken are\n' +
        'deleted and the VMs resumed; the message says where each VM is if that fails too.',
      'With --json: {"snapshot": {...}, "vms": [{"vm", "domain", "outcome", "state"}]}.',
      exitDetail,
    ],
    options: [
      { name: 'description', valueName: 'TEXT', description: 'Words to keep with the snapshot (at most 900 characters).' },
      jsonOption,
      hostOption,
      helpOption,
    ],
    async loadHandler() {
      return (await import('./lab-snapshot-handlers')).labSnapshot;
    },
  },
  {
    words: ['lab', 'revert'],
    summary: 'Revert every VM of a lab to a lab snapshot, in dependency order.',
    operandsUsage: 'LAB NAME',
    details: [
      nameDetail,
      "The VMs' present state is lost: confirm on a terminal, or give --yes. Each VM is reverted after\n" +
        'the VMs it depends on; the ones that were running when the snapshot was taken resume, in the\n' +
        'same order, once all are reverted.',
      'With --json: {"snapshot": {...}, "vms": [{"vm", "domain", "outcome", "state"}]}.',
      exitDetail,
    ],
    options: [yesOption, jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-snapshot-handlers')).labRevert;
    },
  },
  {
    words: ['lab', 'snapshots'],
    summary: "List a lab's snapshots: name, time, VMs, description.",
    operandsUsage: 'LAB',
    details: [
      'A lab VM that has no part of a snapshot (added to the lab later) is named under MISSING;\n' + 'such a snapshot cannot be reverted.',
      'With --json: {"snapshots": [{"lab", "name", "description", "createdAt", "members", "missing"}]}.',
      exitDetail,
    ],
    options: [jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-snapshot-handlers')).labSnapshots;
    },
  },
  {
    words: ['lab', 'delete-snapshot'],
    summary: 'Delete a lab snapshot: its part on every VM of the lab.',
    operandsUsage: 'LAB NAME',
    details: [nameDetail, 'Asks for confirmation on a terminal, or give --yes.', exitDetail],
    options: [yesOption, jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-snapshot-handlers')).labDeleteSnapshot;
    },
  },
];
