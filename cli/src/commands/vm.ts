// The `vm` group and `console`: single VMs on a host through the host API.
import { helpOption, type Command } from '../command-table';
import { hostOption, jsonOption } from '../host-options';

const addressDetail = 'A VM is LAB/VM (the names in the lab file, such as web-lab/db) or a libvirt domain name.';
const exitDetail =
  'Exit status: 0 done, 1 the host refused or failed (for any VM), 2 a wrong command line,\n' + '3 the host cannot be reached, 130 Ctrl-C.';

function lifecycle(verb: 'start' | 'stop' | 'reboot', summary: string, extraDetails: string[] = []): Command {
  return {
    words: ['vm', verb],
    summary,
    operandsUsage: 'VM...',
    details: [addressDetail, ...extraDetails, exitDetail],
    options:
      verb === 'stop'
        ? [{ name: 'force', description: 'Pull the plug (force-stop) instead of asking the guest to power off.' }, hostOption, helpOption]
        : [hostOption, helpOption],
    async loadHandler() {
      return (await import('./vm-handlers')).vmLifecycle(verb);
    },
  };
}

export const vmCommands: readonly Command[] = [
  {
    words: ['vm', 'list'],
    summary: 'List the VMs on the host: lab, VM, state, SSH and VNC ports.',
    operandsUsage: '',
    details: [
      'VMs that no lab made show "-" as their lab and their domain name as their VM.',
      'With --json: {"vms": [{"lab", "vm", "domain", "state", "sshPort", "vncPort"}]} (absent values are null).',
      exitDetail,
    ],
    options: [jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./vm-handlers')).vmList;
    },
  },
  {
    words: ['vm', 'top'],
    summary: "Show running VMs' CPU, memory, disk and network rates, refreshing every 2 seconds.",
    operandsUsage: '[LAB]',
    details: [
      "Without LAB, every running VM on the host. The host samples libvirt's domain stats once per\n" +
        'interval for all VMs. CPU is guest CPU time over wall time over vCPUs, 0-100%. MEMORY is what\n' +
        'the guest uses (its balloon driver\'s figure), or "(host RSS)" when only QEMU\'s resident size is known.\n' +
        'A dash is a figure the host cannot know (a rate before its second sample, after a restart).',
      'In a terminal the table refreshes until Ctrl-C. With --once, --json, or when standard output is\n' +
        'not a terminal: one table after the second sample (about 2 seconds), then exit.',
      'With --json: {"vms": [{"lab", "vm", "sample": {"at", "state", "cpuPercent", "vcpus", "memoryUsedBytes",\n' +
        '"memoryTotalBytes", "memorySource", "diskReadBytesPerSecond", "diskWriteBytesPerSecond",\n' +
        '"netRxBytesPerSecond", "netTxBytesPerSecond"}}]} (unknown figures are null).',
      'Exit status: 0 done (or Ctrl-C), 1 the host refused (no such lab), 2 a wrong command line, 3 the host cannot be reached.',
    ],
    options: [{ name: 'once', description: 'Print one table and exit.' }, jsonOption, hostOption, helpOption],
    async loadHandler() {
      return (await import('./vm-top')).vmTop;
    },
  },
  lifecycle('start', 'Start VMs.'),
  lifecycle('stop', 'Stop VMs: ask the guest to power off, or with --force pull the plug.', [
    'Without --force the host asks the guest (ACPI) and returns at once; the VM may take a while to stop.',
  ]),
  lifecycle('reboot', 'Reboot running VMs.'),
  {
    words: ['vm', 'delete'],
    summary: 'Delete a VM that belongs to no lab: stop it and undefine it; its disk files are kept.',
    operandsUsage: 'VM',
    details: [
      addressDetail,
      "A lab's VM is refused: remove it from the lab file and run 'vlm lab up', or 'vlm lab down' the lab.",
      'A domain this host did not make (one VLM did not mark as made by this host) is refused unless\n' +
        '--confirm-foreign repeats its exact domain name.',
      'Exit status: 0 deleted, 1 the host refused or failed, 2 a wrong command line, 3 the host cannot be reached.',
    ],
    options: [
      {
        name: 'confirm-foreign',
        valueName: 'DOMAIN',
        description: "Delete it even though this host did not make it; DOMAIN is the VM's exact domain name.",
      },
      hostOption,
      helpOption,
    ],
    async loadHandler() {
      return (await import('./vm-handlers')).vmDelete;
    },
  },
  {
    words: ['console'],
    summary: "Attach this terminal to a running VM's serial console (or, with --ssh, a root shell over SSH).",
    operandsUsage: 'VM',
    details: [
      addressDetail,
      'Press Ctrl-] to detach. Everything else, Ctrl-C included, goes to the VM. The terminal is put\n' +
        'in raw mode while attached and restored when the console ends, however it ends.',
      "With --ssh the host opens a login shell over the VM's forwarded SSH port with its lab's key,\n" +
        'sized like this terminal; a guest whose host key changed is refused.',
      'Exit status: 0 detached or the console ended (the VM stopped), 1 the host refused (the VM is\n' +
        'not running, has no serial console), 2 a wrong command line, 3 the host cannot be reached.',
    ],
    options: [{ name: 'ssh', description: 'A shell over SSH instead of the serial console.' }, hostOption, helpOption],
    async loadHandler() {
      return (await import('./console-attach')).attachConsole;
    },
  },
];
