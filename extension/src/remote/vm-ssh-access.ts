// How a user reaches a lab VM's SSH from their own machine: the `ssh` line Copy SSH Command
// gives (through the remote host with -J), and the ssh_config file VLM writes for Remote-SSH's
// Connect in New Window. A VM's SSH forward listens on its host's loopback, so a VM on a remote
// host is reached through that host. Every word is checked and shell-quoted. No `vscode` import.
import { join } from 'node:path';
import { isValidName } from '@vlm/schemas';

export interface VmSshTarget {
  /** The host's name in vlm.hosts (or `local`). */
  hostName: string;
  /** The libvirt domain: unique on its host. */
  domain: string;
  sshPort: number;
  /** The remote host's SSH destination as vlm.hosts has it; undefined for a VM on this machine. */
  hostDestination?: string;
}

/** The user lab images log in as. */
export const vmUser = 'root';

const safeWord = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** One word for a POSIX shell: as is when nothing in it is special, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && safeWord.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const destinationPattern = /^([A-Za-z0-9_][A-Za-z0-9._-]*@)?([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/;

function checkTarget(target: VmSshTarget): void {
  if (!Number.isInteger(target.sshPort) || target.sshPort < 1 || target.sshPort > 65535) {
    throw new Error(`VM ${target.domain}: its SSH port ${String(target.sshPort)} is not a port number (1 to 65535).`);
  }
  if (!isValidName(target.hostName)) throw new Error(`The host name "${String(target.hostName).slice(0, 80)}" is not a valid host name.`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(target.domain)) {
    throw new Error(
      `VM "${target.domain.slice(0, 80)}": its name has characters an SSH host alias cannot hold (letters, digits, '.', '_', '-').`,
    );
  }
  const destination = target.hostDestination;
  if (destination !== undefined && !destinationPattern.test(destination)) {
    throw new Error(`Host ${target.hostName}: its SSH destination "${destination.slice(0, 80)}" is not of the form [user@]host[:port].`);
  }
  const port = destination === undefined ? undefined : /:([0-9]{1,5})$/.exec(destination.replace(/^.*\]/, ''))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new Error(`Host ${target.hostName}: the port in "${destination}" must be a number from 1 to 65535.`);
  }
}

/** The name a VM has in known_hosts and in VLM's ssh_config: stable per host and VM, whatever its port. */
export function vmSshAlias(target: Pick<VmSshTarget, 'hostName' | 'domain'>): string {
  return `vlm.${target.hostName}.${target.domain}`;
}

/** The words of the `ssh` command that reaches the VM; through the remote host (-J) when it has one. */
export function vmSshWords(target: VmSshTarget): string[] {
  checkTarget(target);
  const to = ['-p', String(target.sshPort), `${vmUser}@127.0.0.1`];
  if (target.hostDestination === undefined) return ['ssh', ...to];
  // The VM's key is recorded under its own name: [127.0.0.1]:port is a different VM on each host.
  return ['ssh', '-J', target.hostDestination, '-o', `HostKeyAlias=${vmSshAlias(target)}`, ...to];
}

export function vmSshCommand(target: VmSshTarget): string {
  return vmSshWords(target).map(shellQuote).join(' ');
}

/** A value in ssh_config: in double quotes when it holds spaces; a quote or line break is refused. */
function configValue(value: string): string {
  if (/["\r\n\0]/.test(value)) throw new Error(`"${value.slice(0, 80)}" cannot be written into an ssh_config file.`);
  return /\s/.test(value) ? `"${value}"` : value;
}

/**
 * VLM's ssh_config for Remote-SSH: one Host per VM with an SSH port, then the user's own config
 * (`include`, their ~/.ssh/config or the file Remote-SSH read before), so pointing Remote-SSH's
 * `remote.SSH.configFile` here keeps every host the user had.
 */
export function managedSshConfig(targets: readonly VmSshTarget[], include: string | undefined): string {
  const lines = [
    '# Written by Virtual Lab Manager for Remote-SSH (remote.SSH.configFile). VLM rewrites it: edit your own',
    '# ssh config instead, which is included at the end.',
    '',
  ];
  for (const target of targets) {
    checkTarget(target);
    const alias = vmSshAlias(target);
    lines.push(`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${target.sshPort}`, `  User ${vmUser}`, `  HostKeyAlias ${alias}`);
    if (target.hostDestination !== undefined) lines.push(`  ProxyJump ${target.hostDestination}`);
    lines.push('');
  }
  if (include !== undefined) lines.push('Host *', `  Include ${configValue(include)}`, '');
  return lines.join('\n');
}

/**
 * Where VLM writes that file: ~/.ssh/vlm_config. ssh hands `-F file` on to a jump host's ssh
 * through a shell without quoting it, so a path with a space or quote would break ProxyJump: refused.
 */
export function managedSshConfigPath(home: string): string {
  const path = join(home, '.ssh', 'vlm_config');
  if (/[\s"'\\$`]/.test(path)) {
    throw new Error(`VLM's SSH config would be ${path}, and ssh cannot pass a path with spaces or quotes on to a jump host.`);
  }
  return path;
}

/**
 * The user's own ssh_config that VLM's file includes: the one Remote-SSH read before VLM's
 * (`current`, or remembered from when VLM took its place), else ~/.ssh/config.
 */
export function includedUserConfig(current: string, managed: string, previous: string | undefined, home: string): string {
  if (current !== '' && current !== managed) return current;
  return previous || join(home, '.ssh', 'config');
}
