// What a lab's inline Ansible playbook may not say, checked before it runs (vlm-host) and while it
// is typed (the language server). One rule set for both. It is defence in depth: Jinja reaches
// lookups from any string, so no list can be complete; the provisioning run itself is confined
// (see the host service's provision/ folder). These rules refuse what would plainly act on the
// VLM host or on another machine: running tasks locally, reading or writing controller files,
// and pointing the connection anywhere but the lab's own VM.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';

export interface PlaybookRuleProblem {
  /** Offsets of the offending key (or value) in the playbook text. */
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
  message: string;
}

export interface PlaybookRuleOptions {
  /** The VM the playbook provisions: the one host `hosts:` and `delegate_to:` may name. */
  vmName?: string;
  /**
   * The same text parsed already, without errors (the editor's syntax check does so): reused when
   * nothing in the text can be a merge key, the one thing this check parses differently.
   */
  parsed?: Document;
}

/** True when `<<` or a merge tag may appear, which `merge: true` reads differently. */
function mergeMayMatter(text: string): boolean {
  return text.includes('<<') || text.includes('merge') || text.includes('%TAG');
}

/** Task keywords that run a task somewhere other than the VM. */
const elsewhereKeywords: Record<string, string> = {
  local_action: 'runs the task on the VLM host',
};

/** Keywords and modules that read other files of the VLM host into the play. */
const fileIncludes = new Set(['vars_files', 'include_vars', 'include_tasks', 'import_tasks', 'import_playbook', 'include']);

/** Variables that decide how and where Ansible connects; VLM sets them for the VM. */
const connectionVariables = new Set([
  'ansible_connection',
  'ansible_host',
  'ansible_ssh_host',
  'ansible_port',
  'ansible_ssh_port',
  'ansible_ssh_common_args',
  'ansible_ssh_extra_args',
  'ansible_ssh_args',
  'ansible_ssh_executable',
  'ansible_ssh_private_key_file',
  'ansible_private_key_file',
  'ansible_sftp_extra_args',
  'ansible_scp_extra_args',
]);

/** Modules whose `src` is a file on the controller (the VLM host) unless `remote_src` is true. */
const controllerSourceUnlessRemote = new Set(['copy', 'unarchive', 'assemble', 'patch']);
/** Modules that always read or write controller files, or run a controller program. */
const controllerAlways: Record<string, string> = {
  template: 'reads its template from the VLM host',
  script: 'copies a script from the VLM host',
  fetch: 'writes its dest on the VLM host',
  synchronize: 'runs rsync on the VLM host',
  add_host: "adds hosts to the inventory (only the lab's VM may be reached)",
};

/** Keys that hold lists of tasks, in a play or a block. */
const taskLists = new Set(['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always']);

const modulePrefixes = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.'];

function shortName(key: string): string {
  for (const prefix of modulePrefixes) if (key.startsWith(prefix)) return key.slice(prefix.length);
  return key;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && /^(yes|true|on|1)$/i.test(value.trim()));
}

type Context = 'playbook' | 'play' | 'tasks' | 'task' | 'any';

interface Entry {
  key: string;
  keyNode: Node | null;
  value: unknown;
}

/** Walks a playbook's YAML tree once per node and context, following aliases and merge keys. */
class RuleWalker {
  readonly problems: PlaybookRuleProblem[] = [];
  private readonly visited = new Map<unknown, Set<Context>>();
  private budget = 200_000;

  constructor(
    private readonly document: Document,
    private readonly text: string,
    private readonly vmName: string | undefined,
  ) {}

  private resolve(node: unknown): unknown {
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 100; hops += 1) current = current.resolve(this.document);
    return current;
  }

  private report(node: Node | null | undefined, message: string): void {
    const start = node?.range?.[0] ?? 0;
    const end = node?.range?.[1] ?? start + 1;
    if (this.problems.some((problem) => problem.start === start && problem.message === message)) return;
    const line = this.text.slice(0, start).split('\n').length;
    this.problems.push({ start, end: Math.max(end, start + 1), line, message });
  }

  /** The mapping's pairs with merge keys (<<) expanded, in order. */
  private entries(map: unknown, depth = 0): Entry[] {
    const resolved = this.resolve(map);
    if (!isMap(resolved) || depth > 20) return [];
    const entries: Entry[] = [];
    for (const pair of resolved.items as Pair[]) {
      const keyNode = this.resolve(pair.key);
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) continue;
      if (key === '<<') {
        const source = this.resolve(pair.value);
        for (const merged of isSeq(source) ? source.items : [source]) entries.push(...this.entries(merged, depth + 1));
        continue;
      }
      entries.push({ key, keyNode: isScalar(pair.key) ? (pair.key as Node) : (keyNode as Node), value: pair.value });
    }
    return entries;
  }

  private scalar(value: unknown): unknown {
    const resolved = this.resolve(value);
    return isScalar(resolved) ? resolved.value : undefined;
  }

  private strings(value: unknown): string[] {
    const resolved = this.resolve(value);
    if (isSeq(resolved)) return resolved.items.map((item) => String(this.scalar(item)));
    return [String(this.scalar(value))];
  }

  walk(node: unknown, context: Context): void {
    const resolved = this.resolve(node);
    if (resolved === null || resolved === undefined || typeof resolved !== 'object') return;
    const contexts = this.visited.get(resolved) ?? new Set<Context>();
    if (contexts.has(context)) return;
    contexts.add(context);
    this.visited.set(resolved, contexts);
    this.budget -= 1;
    if (this.budget < 0) {
      if (this.budget === -1) this.report(null, 'is too large or too deeply aliased to be checked.');
      return;
    }
    if (isSeq(resolved)) {
      const itemContext: Context = context === 'playbook' ? 'play' : context === 'tasks' ? 'task' : 'any';
      for (const item of resolved.items) this.walk(item, itemContext);
      return;
    }
    if (!isMap(resolved)) return;
    const entries = this.entries(resolved);
    if (context === 'task') this.checkModules(entries);
    for (const entry of entries) this.checkEntry(entry, context);
  }

  private checkEntry({ key, keyNode, value }: Entry, context: Context): void {
    const name = shortName(key);
    const shown = (text: unknown) => JSON.stringify(String(text)).slice(0, 60);
    if (context === 'play' && key === 'hosts') {
      for (const host of this.strings(value)) {
        if (host !== 'all' && host !== this.vmName) {
          this.report(
            keyNode,
            `hosts: ${shown(host)} names a host other than this lab's VM; use 'hosts: all'${this.vmName ? ` (or '${this.vmName}')` : ''}.`,
          );
        }
      }
    } else if (key === 'delegate_to') {
      const target = this.scalar(value);
      if (this.vmName === undefined || String(target) !== this.vmName) {
        this.report(keyNode, `delegate_to: ${shown(target)} runs the task on another host; a lab's playbook may only act on its own VM.`);
      }
    } else if (key in elsewhereKeywords) {
      this.report(keyNode, `${key} ${elsewhereKeywords[key]}; a lab's playbook may only act on its own VM.`);
    } else if ((context === 'play' || context === 'task') && key === 'connection') {
      const type = String(this.scalar(value));
      if (shortName(type) !== 'ssh')
        this.report(
          keyNode,
          `connection: ${shown(type)} is not allowed: VLM connects to the VM over SSH, and 'local' would run tasks on the VLM host.`,
        );
    } else if (connectionVariables.has(key)) {
      const setting = this.scalar(value);
      if (!(key === 'ansible_connection' && shortName(String(setting)) === 'ssh')) {
        this.report(keyNode, `${key} is set by VLM to reach the lab's VM; a playbook may not change it (here: ${shown(setting)}).`);
      }
    } else if (fileIncludes.has(name) && (context === 'play' || context === 'task' || context === 'playbook')) {
      this.report(keyNode, `${key} reads files from the VLM host; a lab's playbook must hold its plays, tasks and variables itself.`);
    } else if ((key === 'roles' && context === 'play') || ((name === 'include_role' || name === 'import_role') && context === 'task')) {
      const roles = this.resolve(value);
      const names = isSeq(roles)
        ? roles.items.map((item) =>
            isMap(this.resolve(item)) ? this.entries(item).find((entry) => entry.key === 'role' || entry.key === 'name')?.value : item,
          )
        : [isMap(roles) ? this.entries(roles).find((entry) => entry.key === 'name')?.value : roles];
      for (const role of names.map((item) => String(this.scalar(item)))) {
        if (/[/{]|\.\./.test(role))
          this.report(
            keyNode,
            `${key} names the role by a path (${shown(role)}), which reads files from the VLM host; use an installed role's name.`,
          );
      }
    }
    const inner: Context = context === 'play' || context === 'task' ? (taskLists.has(key) ? 'tasks' : 'any') : 'any';
    this.walk(value, inner);
  }

  /** Modules run with controller-side files. Arguments come from the module's value, `args:` or `action:`. */
  private checkModules(entries: Entry[]): void {
    const extra = entries.find((entry) => entry.key === 'args');
    const candidates: Array<{ module: string; keyNode: Node | null; value: unknown }> = entries.map((entry) => ({
      module: shortName(entry.key),
      keyNode: entry.keyNode,
      value: entry.value,
    }));
    const action = entries.find((entry) => entry.key === 'action');
    if (action) {
      const value = this.resolve(action.value);
      if (isScalar(value)) {
        const [module = '', ...rest] = String(value.value).trim().split(/\s+/);
        candidates.push({ module: shortName(module), keyNode: action.keyNode, value: rest.join(' ') });
      } else if (isMap(value)) {
        const module = this.entries(value).find((entry) => entry.key === 'module');
        candidates.push({ module: shortName(String(this.scalar(module?.value))), keyNode: action.keyNode, value });
      }
    }
    for (const { module, keyNode, value } of candidates) {
      if (module in controllerAlways) {
        this.report(keyNode, `${module} ${controllerAlways[module]}; a lab's playbook may only act on its own VM.`);
      } else if (controllerSourceUnlessRemote.has(module)) {
        const args = { ...this.arguments(value), ...this.arguments(extra?.value) };
        if ('src' in args && !truthy(args.remote_src)) {
          this.report(
            keyNode,
            `${module} with src: ${JSON.stringify(String(args.src)).slice(0, 60)} reads that file from the VLM host; set remote_src: true for a file on the VM, or give the text with content:.`,
          );
        }
      }
    }
  }

  /** A module's arguments: a mapping, or free-form "key=value ..." text. */
  private arguments(value: unknown): Record<string, unknown> {
    const resolved = this.resolve(value);
    const result: Record<string, unknown> = {};
    if (isMap(resolved)) {
      for (const entry of this.entries(resolved)) result[entry.key] = this.scalar(entry.value);
    } else {
      const text = isScalar(resolved) ? String(resolved.value ?? '') : typeof value === 'string' ? value : '';
      for (const match of text.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S+)/g))
        result[match[1] as string] = (match[2] as string).replace(/^["']|["']$/g, '');
    }
    return result;
  }
}

/**
 * Everything in the playbook that would act outside the lab's VM, each at its line. A text that is
 * not valid YAML gives no problems here (the syntax check reports it).
 */
export function findPlaybookRuleProblems(text: string, options: PlaybookRuleOptions = {}): PlaybookRuleProblem[] {
  const reusable = options.parsed !== undefined && options.parsed.errors.length === 0 && !mergeMayMatter(text);
  const document =
    reusable && options.parsed ? options.parsed : parseDocument(text, { prettyErrors: false, merge: true, uniqueKeys: false });
  if (document.errors.length > 0) return [];
  const walker = new RuleWalker(document, text, options.vmName);
  walker.walk(document.contents, 'playbook');
  return walker.problems.sort((a, b) => a.start - b.start);
}
