// Where a `[user@]alias[:port]` destination really leads, after ~/.ssh/config: the host name,
// user, port and key files of the target and of each ProxyJump hop, in the order they are
// reached. Every name that comes out is checked, since it reaches a shell line and a config
// file VLM writes. No `vscode` import: unit-tested.
import { isAbsolute, join } from 'node:path';
import { parseSshDestinationParts } from './ssh-destination';
import { settingsFor, type SshConfig } from './ssh-config';

export interface SshHop {
  /** The name as written (an alias, maybe), for messages and Host matching. */
  alias: string;
  user: string;
  /** Where to connect: HostName, or the alias itself. */
  host: string;
  port: number;
  /** Key files from IdentityFile, expanded; empty means the usual ones. */
  identityFiles: string[];
}

export interface SshRoute {
  /** The hops before the target, first one first (ProxyJump). */
  jumps: SshHop[];
  target: SshHop;
}

export interface SshEnvironment {
  home: string;
  localUser: string;
}

const maximumJumps = 8;
const hostNamePattern = /^[A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?$/;
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A host or user name that goes into a shell line or ssh_config: letters, digits and . _ - : only. */
export function checkSshName(kind: 'host name' | 'user name', value: string, where: string): string {
  const pattern = kind === 'host name' ? hostNamePattern : userPattern;
  if (value.length > 253 || !pattern.test(value)) {
    throw new Error(
      `${where}: the ${kind} "${value.slice(0, 80)}" is not allowed: use letters, digits, '.', '_', '-'${kind === 'host name' ? " and ':'" : ''}.`,
    );
  }
  return value;
}

/** %h, %%, and for key files %d, %u, %r, as ssh expands them; any other token is refused. */
function expandTokens(value: string, tokens: Record<string, string>, where: string): string {
  return value.replace(/%(.)/g, (_all, token: string) => {
    if (token === '%') return '%';
    const replacement = tokens[token];
    if (replacement === undefined) throw new Error(`${where}: the token %${token} is not supported here.`);
    return replacement;
  });
}

function first(settings: ReturnType<typeof settingsFor>, keyword: string) {
  return settings.get(keyword)?.[0];
}

function resolveHop(
  text: string,
  config: SshConfig,
  environment: SshEnvironment,
  where: string,
): SshHop & { proxyJump?: string; proxyWhere?: string } {
  const parts = parseSshDestinationParts(text);
  const settings = settingsFor(config, parts.host);
  const proxyCommand = first(settings, 'proxycommand');
  if (proxyCommand && proxyCommand.args[0]?.toLowerCase() !== 'none') {
    throw new Error(
      `${proxyCommand.where}: ProxyCommand applies to ${parts.host}, and VLM does not run commands from ssh_config. Use ProxyJump instead, or a Host entry without ProxyCommand.`,
    );
  }
  const hostNameSetting = first(settings, 'hostname');
  const host = hostNameSetting
    ? checkSshName(
        'host name',
        expandTokens(hostNameSetting.args[0] ?? '', { h: parts.host }, hostNameSetting.where),
        hostNameSetting.where,
      )
    : checkSshName('host name', parts.host, where);
  const userSetting = first(settings, 'user');
  const user = checkSshName('user name', parts.user ?? userSetting?.args[0] ?? environment.localUser, userSetting?.where ?? where);
  const portSetting = first(settings, 'port');
  let port = parts.port;
  if (port === undefined && portSetting) {
    port = Number(portSetting.args[0]);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${portSetting.where}: Port must be a number from 1 to 65535.`);
  }
  const tokens = { h: host, d: environment.home, u: environment.localUser, r: user };
  const identityFiles = (settings.get('identityfile') ?? []).flatMap(({ args, where: line }) =>
    args
      .filter((file) => file.toLowerCase() !== 'none')
      .map((file) => {
        const expanded = expandTokens(file.replace(/^~(?=\/|$)/, environment.home), tokens, line);
        return isAbsolute(expanded) ? expanded : join(environment.home, expanded);
      }),
  );
  const proxyJump = first(settings, 'proxyjump');
  return {
    alias: parts.host,
    user,
    host,
    port: port ?? 22,
    identityFiles,
    ...(proxyJump ? { proxyJump: proxyJump.args.join(','), proxyWhere: proxyJump.where } : {}),
  };
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, as ProxyJump lists them. */
function jumpDestinations(value: string, where: string): string[] {
  if (value.toLowerCase() === 'none') return [];
  return value.split(',').map((jump) => {
    const plain = jump.startsWith('ssh://') ? jump.slice('ssh://'.length).replace(/\/$/, '') : jump;
    if (plain === '') throw new Error(`${where}: ProxyJump lists an empty host.`);
    return plain;
  });
}

/**
 * The route to `destination`. A ProxyJump on the target lists the hops; the first hop's own
 * ProxyJump comes before it (as `ssh -W` through that hop would read it); later hops' own are not used.
 */
export function resolveSshRoute(destination: string, config: SshConfig, environment: SshEnvironment): SshRoute {
  const resolve = (text: string, where: string, depth: number, seen: ReadonlySet<string>): SshHop[] => {
    if (depth > maximumJumps) throw new Error(`${where}: ProxyJump goes through more than ${maximumJumps} hosts (a loop?).`);
    const { proxyJump, proxyWhere, ...hop } = resolveHop(text, config, environment, where);
    if (seen.has(hop.alias)) throw new Error(`${where}: ProxyJump loops back to ${hop.alias}.`);
    if (!proxyJump || !proxyWhere) return [hop];
    const jumps = jumpDestinations(proxyJump, proxyWhere);
    if (jumps.length === 0) return [hop];
    const nextSeen = new Set([...seen, hop.alias]);
    const [head, ...rest] = jumps;
    const chain = resolve(head as string, proxyWhere, depth + 1, nextSeen);
    for (const jump of rest) {
      const { proxyJump: _ignored, proxyWhere: _line, ...later } = resolveHop(jump, config, environment, proxyWhere);
      if (nextSeen.has(later.alias)) throw new Error(`${proxyWhere}: ProxyJump loops back to ${later.alias}.`);
      chain.push(later);
    }
    if (chain.length > maximumJumps) throw new Error(`${proxyWhere}: ProxyJump goes through more than ${maximumJumps} hosts.`);
    return [...chain, hop];
  };
  const hops = resolve(destination, `the destination "${destination.slice(0, 80)}"`, 0, new Set());
  return { jumps: hops.slice(0, -1), target: hops[hops.length - 1] as SshHop };
}
