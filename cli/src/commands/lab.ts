// The `lab` command group: labs on a host through the host API.
import { helpOption, type Command } from '../command-table';
import { hostOption, jsonOption, yesOption } from '../host-options';

const hostDetail =
  "The host is reached at --host unix:PATH, else $VLM_HOST, else vlm-host's default socket\n" +
  '(/run/vlm/vlm-host.sock as root, $XDG_RUNTIME_DIR/vlm/vlm-host.sock otherwise).';
const exitDetail =
  'Exit status: 0 done, 1 the lab file has errors or the host refused or failed,\n' +
  '2 a wrong command line (or no --yes without a terminal), 3 the host cannot be reached, 130 Ctrl-C.';

export const labCommands: readonly Command[] = [
  {
    words: ['lab', 'plan'],
    summary: 'Show what applying a lab file would create, change and delete on the host.',
    operandsUsage: 'FILE',
    details: [
      'The file is validated first, as by vlm validate (its problems go to standard error in the\n' +
        'same format); with errors nothing is sent to the host. Each step of the plan is one line:\n' +
        '+ create, ~ change, - delete, then the kind, the libvirt name and the lab item.',
      hostDetail,
      exitDetail,
    ],
    options: [hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).planLab;
    },
  },
  {
    words: ['lab', 'up'],
    summary: 'Deploy a lab file to the host: plan, confirm, apply, with the deploy log as it happens.',
    operandsUsage: 'FILE',
    details: [
      'Shows the plan, asks for confirmation on a terminal (without a terminal, --yes is required),\n' +
        'then applies it, printing deploy log lines and status changes as the host reports them.\n' +
        'Ctrl-C cancels the apply between steps; the host keeps a record of what was made, which\n' +
        "'vlm lab status' shows and 'vlm lab down' removes.",
      hostDetail,
      exitDetail,
    ],
    options: [yesOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).labUp;
    },
  },
  {
    words: ['lab', 'down'],
    summary: 'Remove a lab from the host: its VMs, disks, networks and ports.',
    operandsUsage: 'NAME',
    details: [
      'Lists exactly what the host recorded for the lab, asks for confirmation (or --yes), then destroys it.',
      hostDetail,
      exitDetail,
    ],
    options: [yesOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).labDown;
    },
  },
  {
    words: ['lab', 'status'],
    summary: "Show a lab's status, VMs, ports and latest deploy log lines.",
    operandsUsage: 'NAME',
    details: ["With --json, the host's whole record of the lab (definition, resources, deploy log, VMs).", hostDetail, exitDetail],
    options: [jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).labStatus;
    },
  },
  {
    words: ['lab', 'list'],
    summary: 'List the labs on the host with their status.',
    operandsUsage: '',
    details: ['With --json: {"labs": [{"name", "status", "vmCount", "updatedAt"}]}.', hostDetail, exitDetail],
    options: [jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).labList;
    },
  },
  {
    words: ['lab', 'sweep'],
    summary: 'Remove leftovers: VLM-made VMs, disks and networks that no lab on the host records.',
    operandsUsage: '',
    details: [
      "Lists what the host takes for leftovers (VMs with VLM metadata, networks named like a lab's,\n" +
        "disks and seeds in the host's pool) with the reason for each, asks for confirmation (or\n" +
        '--yes), then removes them. With --dry-run it only lists.',
      hostDetail,
      exitDetail,
    ],
    options: [yesOption, { name: 'dry-run', description: 'Only list the leftovers.' }, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-handlers')).labSweep;
    },
  },
  {
    words: ['lab', 'export'],
    summary: 'Write a lab as the host recorded it: its lab file, or Terraform JSON (main.tf.json).',
    operandsUsage: 'NAME',
    details: [
      'Without --format, the lab file goes to standard output, or to the new file --output FILE.\n' +
        'With --format terraform, main.tf.json is written into the folder --output DIR (default: the\n' +
        'current one) for the dmacvicar/libvirt provider ~> 0.9.7: disks as overlays on their image,\n' +
        'cloud-init seeds, networks, VMs and their loopback SSH forwards. What the provider cannot say\n' +
        'is listed after it and in the file\'s "//" comment. An existing file is never replaced.',
      hostDetail,
      exitDetail,
    ],
    options: [
      {
        name: 'format',
        valueName: 'FORMAT',
        allowedValues: ['lab', 'terraform'],
        defaultValue: 'lab',
        description: 'lab (YAML) or terraform.',
      },
      { name: 'output', short: 'o', valueName: 'PATH', description: 'A new file (lab), or the folder for main.tf.json (terraform).' },
      hostOption,
      helpOption,
    ],
    async loadHandler() {
      return (await import('./lab-transfer-handlers')).labExport;
    },
  },
  {
    words: ['lab', 'import'],
    summary: 'Deploy a lab file from a file or an http(s) URL, validated in full first.',
    operandsUsage: 'FILE|URL',
    details: [
      'The lab is read (a URL: https or http only, at most 4 MiB, 30 s, redirects only to https or\n' +
        'http) and checked as vlm validate checks it; with any error nothing is sent to the host.\n' +
        'Then it is planned and applied as by vlm lab up (confirmation, or --yes).',
      hostDetail,
      exitDetail,
    ],
    options: [yesOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./lab-transfer-handlers')).labImport;
    },
  },
];
