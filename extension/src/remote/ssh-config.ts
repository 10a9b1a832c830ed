// OpenSSH's client configuration (~/.ssh/config), read the way `ssh` reads it for the keywords
// that decide where and as whom it connects: Host patterns, first value wins, Include followed,
// ProxyJump chains. ProxyCommand and Match are refused or reported, never run or guessed.
// No `vscode` import: unit-tested, with hostile files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { wildcardMatches } from './known-hosts';

/** One keyword line, with the Host conditions it sits under (all must match). */
interface Directive {
  keyword: string;
  args: string[];
  where: string;
  /** Each entry is one Host line's patterns; a Match block is 'match' and never applies. */
  conditions: Array<string[] | 'match'>;
}

export interface SshConfig {
  directives: Directive[];
  /** One sentence per line that could not be read, with where it is. */
  problems: string[];
}

/** Reads an included file (already expanded, absolute); undefined when it does not exist. */
export type IncludeReader = (pattern: string) => Array<{ path: string; text: string }>;

export const maximumConfigBytes = 1024 * 1024;
const maximumIncludeDepth = 16;
const maximumDirectives = 20_000;

/** Splits a line into words as OpenSSH does: whitespace or one '=' after the keyword, double quotes, '#' comments. */
function splitWords(line: string): string[] | string {
  const words: string[] = [];
  let index = 0;
  while (index < line.length) {
    while (index < line.length && /\s/.test(line[index] as string)) index += 1;
    if (index >= line.length || line[index] === '#') break;
    let word = '';
    if (line[index] === '"') {
      const end = line.indexOf('"', index + 1);
      if (end < 0) return 'a quote is not closed';
      word = line.slice(index + 1, end);
      index = end + 1;
    } else {
      while (index < line.length && !/\s/.test(line[index] as string)) word += line[index++];
    }
    words.push(word);
    // keyword=value and keyword = value
    if (words.length === 1 && word.includes('=')) {
      const [keyword, ...rest] = word.split('=');
      words[0] = keyword as string;
      if (rest.join('=') !== '') words.push(rest.join('='));
    } else if (words.length === 2 && word.startsWith('=')) {
      if (word === '=') words.pop();
      else words[1] = word.slice(1);
    }
  }
  return words;
}

interface ParseState {
  config: SshConfig;
  readInclude: IncludeReader | undefined;
  expandPath: (path: string) => string;
}

function parseInto(state: ParseState, text: string, file: string, outer: Array<string[] | 'match'>, depth: number): void {
  const { config } = state;
  if (text.length > maximumConfigBytes) {
    config.problems.push(`${file} is larger than ${maximumConfigBytes / 1024} KiB; it was not read.`);
    return;
  }
  let conditions = outer;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const where = `${file}:${index + 1}`;
    const line = lines[index] as string;
    if (line.includes('\0')) {
      config.problems.push(`${where} holds a NUL character; the line was ignored.`);
      continue;
    }
    const words = splitWords(line);
    if (typeof words === 'string') {
      config.problems.push(`${where}: ${words}; the line was ignored.`);
      continue;
    }
    const [first, ...args] = words;
    if (first === undefined || first === '') continue;
    const keyword = first.toLowerCase();
    if (keyword === 'host') {
      conditions = [...outer, args];
    } else if (keyword === 'match') {
      // Match criteria (exec, canonical, ...) can run commands: its block never applies here.
      config.problems.push(`${where}: Match blocks are not supported; the settings under it are not used.`);
      conditions = [...outer, 'match'];
    } else if (keyword === 'include') {
      includeFiles(state, args, where, conditions, depth);
    } else {
      if (config.directives.length >= maximumDirectives) {
        config.problems.push(`${file} has more than ${maximumDirectives} settings; the rest was not read.`);
        return;
      }
      config.directives.push({ keyword, args, where, conditions });
    }
  }
}

function includeFiles(state: ParseState, args: string[], where: string, conditions: Array<string[] | 'match'>, depth: number): void {
  if (depth >= maximumIncludeDepth) {
    state.config.problems.push(`${where}: Include nests deeper than ${maximumIncludeDepth} files (a loop?); it was not followed.`);
    return;
  }
  if (!state.readInclude) {
    state.config.problems.push(`${where}: Include is not followed here; hosts defined in included files are not seen.`);
    return;
  }
  for (const pattern of args) {
    let files: Array<{ path: string; text: string }>;
    try {
      files = state.readInclude(state.expandPath(pattern));
    } catch (error) {
      state.config.problems.push(
        `${where}: could not read the included ${pattern}: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    for (const included of files) parseInto(state, included.text, included.path, conditions, depth + 1);
  }
}

export function parseSshConfig(
  text: string,
  file: string,
  options: { readInclude?: IncludeReader; expandPath?: (path: string) => string } = {},
): SshConfig {
  const config: SshConfig = { directives: [], problems: [] };
  parseInto({ config, readInclude: options.readInclude, expandPath: options.expandPath ?? ((path) => path) }, text, file, [], 0);
  return config;
}

/** A Host line's patterns name `host`: one positive pattern matches and no negated one does. */
export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    for (const part of pattern.split(',')) {
      if (part.startsWith('!')) {
        if (wildcardMatches(part.slice(1), host)) return false;
      } else if (wildcardMatches(part, host)) {
        matched = true;
      }
    }
  }
  return matched;
}

/** The settings that apply to `host`, first value of each keyword first; IdentityFile keeps all. */
export function settingsFor(config: SshConfig, host: string): Map<string, { args: string[]; where: string }[]> {
  const settings = new Map<string, { args: string[]; where: string }[]>();
  for (const directive of config.directives) {
    if (!directive.conditions.every((condition) => condition !== 'match' && hostPatternsMatch(condition, host))) continue;
    const known = settings.get(directive.keyword);
    if (known) known.push({ args: directive.args, where: directive.where });
    else settings.set(directive.keyword, [{ args: directive.args, where: directive.where }]);
  }
  return settings;
}

/** Include's argument as ssh reads it: `~` is the home folder, a relative path is under ~/.ssh. */
export function expandIncludePath(path: string, home: string): string {
  const expanded = path.replace(/^~(?=\/|$)/, home);
  return isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded);
}

/** The files an Include pattern names: wildcards in the last part only, in name order. */
function readIncluded(pattern: string): Array<{ path: string; text: string }> {
  const folder = dirname(pattern);
  const name = basename(pattern);
  if (/[*?[]/.test(folder)) throw new Error('wildcards are supported in the file name only');
  const names = /[*?]/.test(name)
    ? (existsSync(folder) ? readdirSync(folder) : []).filter((entry) => wildcardMatches(name, entry)).sort()
    : [name];
  const files: Array<{ path: string; text: string }> = [];
  for (const entry of names) {
    const path = join(folder, entry);
    if (!existsSync(path) || !statSync(path).isFile()) continue;
    if (statSync(path).size > maximumConfigBytes) throw new Error(`${path} is larger than ${maximumConfigBytes / 1024} KiB`);
    files.push({ path, text: readFileSync(path, 'utf8') });
  }
  return files;
}

/** The user's ~/.ssh/config (empty when there is none), with its Includes. */
export function readUserSshConfig(home: string, path = join(home, '.ssh', 'config')): SshConfig {
  if (!existsSync(path)) return { directives: [], problems: [] };
  if (statSync(path).size > maximumConfigBytes) {
    return { directives: [], problems: [`${path} is larger than ${maximumConfigBytes / 1024} KiB; it was not read.`] };
  }
  return parseSshConfig(readFileSync(path, 'utf8'), path, {
    readInclude: readIncluded,
    expandPath: (included) => expandIncludePath(included, home),
  });
}
