// A VM row's tooltip in Markdown: state, lab, ports, size, idle countdown, tags, and links to the
// actions its state allows. When it opens, the host's facts join it: image, IP addresses, uptime
// and live figures. Every word from a host goes through markdownText (markdown-text.ts).
import type { VmRow } from './labs-tree-model';
import type { Lab } from '@vlm/schemas';
import type { RunningInterval } from '@vlm/schemas/src/host-protocol';
import type { VmSnapshot, VmStatus } from './host-snapshot';
import { commandLinkWithQuery, commandQuery, markdownLines, markdownText, type TooltipCommand } from './markdown-text';

/** What a command link hands the command: what the tree's row would (see selectedVms). */
export type VmLinkTarget = Pick<VmRow, 'kind' | 'hostName' | 'labName' | 'vmName' | 'domain' | 'sshPort'>;

const actionLinks: Record<VmStatus, [string, TooltipCommand][]> = {
  running: [
    ['Stop', 'vlm.vm.stop'],
    ['Reboot', 'vlm.vm.restart'],
    ['Console', 'vlm.vm.openSerialConsole'],
    ['Details', 'vlm.showVmDetails'],
  ],
  stopped: [['Start', 'vlm.vm.start']],
  crashed: [['Start', 'vlm.vm.start']],
  paused: [['Resume', 'vlm.vm.resume']],
  starting: [],
  stopping: [],
  unknown: [],
};

export interface VmTooltipInput {
  hostName: string;
  labName: string;
  vm: VmSnapshot;
  stateWords: string;
  /** The idle shutdown countdown in words, when one runs. */
  idle?: string;
}

export function vmTooltipMarkdown({ hostName, labName, vm, stateWords, idle }: VmTooltipInput): string {
  const target: VmLinkTarget = { kind: 'vm', hostName, labName, vmName: vm.name, domain: vm.domain ?? vm.name };
  if (vm.sshPort !== undefined) target.sshPort = vm.sshPort;
  const query = commandQuery(target);
  const links = actionLinks[vm.status].map(([title, command]) => commandLinkWithQuery(title, command, query));
  if (vm.sshPort !== undefined) {
    if (vm.status === 'running') links.push(commandLinkWithQuery('SSH', 'vlm.vm.openSshTerminal', query));
    links.push(commandLinkWithQuery('Copy SSH Command', 'vlm.vm.copySshCommand', query));
  }
  return markdownLines([
    `**${markdownText(vm.name)}** · ${markdownText(stateWords)}`,
    labName ? `Lab: ${markdownText(labName)} on ${markdownText(hostName)}` : `In no lab, on ${markdownText(hostName)}`,
    idle && markdownText(idle),
    vm.description && markdownText(vm.description),
    ...(vm.details ?? []).map(markdownText),
    vm.sshPort !== undefined && `SSH: port ${vm.sshPort} on the host's loopback`,
    vm.tags.length > 0 && `Tags: ${markdownText(vm.tags.join(', '))}`,
    links.length > 0 && `\n${links.join(' · ')}`,
  ]);
}

export interface VmHostFacts {
  /** The lab as the host recorded it: the VM's image and static addresses. */
  definition?: Lab;
  /** The VM's running intervals this month, and the host's clock. */
  intervals?: { intervals: RunningInterval[]; now: string };
}

/** Uptime in words: "3 h 5 min", "42 s". */
export function uptimeWords(startIso: string, nowIso: string): string | undefined {
  const seconds = Math.floor((Date.parse(nowIso) - Date.parse(startIso)) / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

/** The lines the host's facts add: image, addresses, uptime (each only when known). */
export function vmFactLines(vmName: string, domain: string, facts: VmHostFacts): string {
  const defined = facts.definition?.vms?.find((candidate) => candidate.name === vmName);
  const addresses = (defined?.networks ?? []).flatMap((network) =>
    typeof network === 'object' && network !== null && typeof network.ip === 'string' ? [`${network.ip} (${network.name})`] : [],
  );
  const open = facts.intervals?.intervals.find((interval) => interval.domain === domain && interval.stop === undefined);
  const uptime = open && facts.intervals ? uptimeWords(open.start, facts.intervals.now) : undefined;
  return markdownLines([
    typeof defined?.os_image === 'string' && `Image: ${markdownText(defined.os_image)}`,
    addresses.length > 0 && `IP: ${markdownText(addresses.join(', '))}`,
    uptime && `Up for ${uptime}`,
  ]);
}
