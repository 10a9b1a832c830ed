// Schema problems in words a user reads. Each parsed lab is checked against lab.schema.json with
// ajv, and each error becomes a diagnostic with a `vlm-` code that names the field (`vms[1].name`),
// what it holds and what is allowed. What a pattern allows is worded once, in the schema's
// `x-allowed` text of that field (its `{subject}` is the nearest `x-subject` on the way there),
// so no message shows a regular expression.
import type { ErrorObject } from 'ajv';
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { labSchema } from '@vlm/schemas';
import { resolveReference } from './lab-schema-references';
import { branchValidator, labValidator } from './lab-schema-validators';
import { diagnosticCodes, type DiagnosticCode } from './diagnostic-codes';
import { diagnosticAt } from './lab-diagnostics';
import type { LabParse as ParsedLab } from './parsed-documents';
import type { SourceSpan } from './lab-model';
import { SuggestionBudget } from '@vlm/schemas';
import { elementAt } from './element-at';

type Segment = string | number;

/** Codes of the schema's diagnostics. */
export const schemaCodes: ReadonlySet<string> = new Set([
  diagnosticCodes.missingField,
  diagnosticCodes.unknownField,
  diagnosticCodes.wrongType,
  diagnosticCodes.invalidValue,
  diagnosticCodes.outOfRange,
  diagnosticCodes.itemCount,
  diagnosticCodes.duplicateItem,
]);
type SchemaNode = Record<string, unknown>;

/** A lab file with nothing in it (empty, blank or only comments): an error on line 1. */
export function emptyLabDiagnostic(document: TextDocument, parsed: Pick<ParsedLab, 'documents'>): Diagnostic | undefined {
  const text = document.getText();
  // A document of only `---` holds an empty scalar that nothing in the text wrote.
  const written = (contents: unknown): boolean =>
    contents !== null && contents !== undefined && !(isScalar(contents) && contents.value === null && !contents.source);
  const hasContent = /\S/.test(text) && parsed.documents.some((single) => written(single.internalDocument.contents));
  if (hasContent) return undefined;
  const firstLineEnd = text.search(/\r?\n|$/);
  return diagnosticAt(
    document,
    { start: 0, end: firstLineEnd },
    diagnosticCodes.emptyLab,
    "The lab file is empty. A lab needs at least a 'name' and one VM under 'vms' (each VM with name, vcpu, ram_mb, disk_gb and os_image).",
  );
}

// No list of the schema may hold more items than this; longer ones are checked only this far
// (their item count is still reported), so a list of a million items costs no more than this.
const longestList = largestMaxItems(labSchema) + 1;
const listLengths = new WeakMap<unknown[], number>();

function largestMaxItems(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  let largest = typeof (node as SchemaNode).maxItems === 'number' ? ((node as SchemaNode).maxItems as number) : 0;
  for (const value of Object.values(node as SchemaNode)) largest = Math.max(largest, largestMaxItems(value));
  return largest;
}

/** The length of a list as written, before it was cut to `longestList`. */
function writtenLength(value: unknown): number {
  return Array.isArray(value) ? (listLengths.get(value) ?? value.length) : 0;
}

/** The document's data as plain values, for ajv; undefined when a key is empty (reported elsewhere). */
function plainValue(document: Document, node: unknown): { value: unknown } | undefined {
  let emptyKey = false;
  const convert = (current: unknown): unknown => {
    if (current === null || current === undefined) return null;
    // Scalars first, as in parse-guard.ts's walk: the commonest nodes.
    if (isScalar(current)) {
      const value = current.value;
      return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
    }
    if (isAlias(current)) return convert(current.resolve(document));
    if (isSeq(current)) {
      const list = current.items.slice(0, longestList).map(convert);
      if (current.items.length > longestList) listLengths.set(list, current.items.length);
      return list;
    }
    if (isMap(current)) {
      // No prototype: keys such as `constructor` or `__proto__` are ordinary fields here.
      const result: Record<string, unknown> = Object.create(null);
      for (const pair of current.items) {
        const key = keyText(document, pair.key);
        if (key === undefined) {
          emptyKey = true;
          continue;
        }
        if (!(key in result)) result[key] = convert(pair.value);
      }
      return result;
    }
    return null;
  };
  const value = convert(node);
  return emptyKey ? undefined : { value };
}

function keyText(document: Document, key: unknown): string | undefined {
  const resolved = isAlias(key) ? key.resolve(document) : key;
  if (resolved === null || resolved === undefined) return undefined;
  if (isScalar(resolved)) return resolved.value === null ? undefined : String(resolved.value);
  return String(resolved);
}

/** Where the value at `path` is written: the node, or the first alias on the way to it. */
function locate(document: Document, path: Segment[], wantKey: string | undefined): SourceSpan | undefined {
  let node: unknown = document.contents;
  let alias: Node | undefined;
  const step = (current: unknown): unknown => {
    if (isAlias(current)) {
      alias ??= current;
      return current.resolve(document);
    }
    return current;
  };
  node = step(node);
  for (const segment of path) {
    if (typeof segment === 'number' && isSeq(node)) node = step(node.items[segment]);
    else if (isMap(node)) {
      const pair = node.items.find((candidate) => isPair(candidate) && keyText(document, candidate.key) === String(segment));
      node = step(pair?.value);
    } else return undefined;
  }
  if (wantKey !== undefined && isMap(node) && !alias) {
    const pair = node.items.find((candidate) => keyText(document, candidate.key) === wantKey);
    const range = (pair?.key as Node | undefined)?.range;
    if (range) return { start: range[0], end: range[1] };
  }
  const range = (alias ?? (node as Node | undefined))?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}

function valueAt(root: unknown, path: Segment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function pathSegments(instancePath: string, root: unknown): Segment[] {
  if (instancePath === '') return [];
  const segments: Segment[] = [];
  let value = root;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(value) ? Number(key) : key;
    segments.push(segment);
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return segments;
}

/** `vms[1].name`; odd keys are quoted: `vms[0]["a b"]`. */
export function displayPath(path: Segment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment.length > 40 ? `${segment.slice(0, 40)}…` : segment)}]`;
  }
  return text;
}

function describe(value: unknown, kind = false): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
    return kind ? `the text ${shown}` : shown;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

const typeWords: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'empty',
};

/** The oneOf branch whose type matches the value, or -1. */
function branchFor(branches: SchemaNode[], value: unknown): number {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
  return branches.findIndex((branch) => {
    const type = resolveReference(branch).type;
    return type === kind || (type === 'integer' && kind === 'number');
  });
}

interface FieldWords {
  /** What the field allows, as a sentence; from `x-allowed`. */
  allowed?: string;
  /** JSON pointer of a oneOf at this field, when there is one. */
  oneOf?: { pointer: string; branches: SchemaNode[] };
}

/** The schema's words for the field at `path`, following properties, items, $ref and oneOf. */
function fieldWords(path: Segment[], root: unknown): FieldWords {
  let schema = labSchema as SchemaNode;
  let pointer = '';
  let subject: string | undefined;
  let allowed: string | undefined;
  const take = (node: SchemaNode): void => {
    if (typeof node['x-subject'] === 'string') subject = node['x-subject'];
    if (typeof node['x-allowed'] === 'string') allowed = node['x-allowed'];
  };
  const enter = (node: SchemaNode, at: string, value: unknown, last: boolean): FieldWords['oneOf'] => {
    take(node);
    schema = node;
    pointer = at;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) {
      pointer = node.$ref.slice(1);
      schema = resolveReference(node);
      take(schema);
    }
    const branches = schema.oneOf as SchemaNode[] | undefined;
    if (!Array.isArray(branches)) return undefined;
    const oneOf = { pointer: `${pointer}/oneOf`, branches };
    const chosen = branchFor(branches, value);
    if (chosen < 0) return last ? oneOf : undefined;
    enter(elementAt(branches, chosen), `${pointer}/oneOf/${chosen}`, value, last);
    return last ? oneOf : undefined;
  };
  let oneOf = enter(schema, '', root, path.length === 0);
  for (const [index, segment] of path.entries()) {
    const value = valueAt(root, path.slice(0, index + 1));
    const last = index === path.length - 1;
    const property = typeof segment === 'string' ? (schema.properties as Record<string, SchemaNode> | undefined)?.[segment] : undefined;
    if (typeof segment === 'number' && schema.items && typeof schema.items === 'object') {
      oneOf = enter(schema.items as SchemaNode, `${pointer}/items`, value, last);
    } else if (property) {
      oneOf = enter(property, `${pointer}/properties/${segment}`, value, last);
    } else {
      allowed = undefined;
      break;
    }
  }
  return { allowed: allowed?.replace('{subject}', subject ?? 'Values'), oneOf };
}

interface Problem {
  code: DiagnosticCode;
  path: Segment[];
  /** For an unknown field: the key, whose own span is marked. */
  key?: string;
  message: string;
}

function joinWords(words: string[]): string {
  return words.map((word) => `'${word}'`).join(', ');
}

/** A string that does not have the field's form, or is too short or too long. */
function textMessage(keyword: string, Where: string, value: unknown, params: Record<string, unknown>, allowed: string | undefined): string {
  const allowedSentence = allowed ? ` ${allowed}` : '';
  if (keyword === 'maxLength' && !allowed) {
    return `${Where} is ${String(value).length} characters long; at most ${String(params.limit)} are allowed.`;
  }
  if (keyword === 'minLength' && value === '') return `${Where} is empty.${allowedSentence}`;
  return `${Where} is ${describe(value)}, which is not allowed.${allowedSentence || ' It does not have the form this field takes.'}`;
}

/** The range a number must be in, from the schema's bounds. */
function rangeWords(parent: SchemaNode, params: Record<string, unknown>): string {
  const minimum = parent.minimum as number | undefined;
  const maximum = parent.maximum as number | undefined;
  if (minimum !== undefined && maximum !== undefined) return `from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return `at least ${minimum}`;
  if (maximum !== undefined) return `at most ${maximum}`;
  return `${String(params.comparison)} ${String(params.limit)}`;
}

function itemCountMessage(keyword: string, Where: string, value: unknown, limit: number): string {
  const count = writtenLength(value);
  return keyword === 'minItems'
    ? `${Where} ${count === 0 ? 'is empty' : `has ${count} item${count === 1 ? '' : 's'}`}; it needs at least ${limit} item${limit === 1 ? '' : 's'}.`
    : `${Where} has ${count} items; at most ${limit} are allowed.`;
}

function explain(error: ErrorObject, root: unknown, suggestions: SuggestionBudget): Problem | undefined {
  const path = pathSegments(error.instancePath, root);
  const where = path.length === 0 ? 'the lab' : displayPath(path);
  const Where = path.length === 0 ? 'The lab' : displayPath(path);
  const value = valueAt(root, path);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const words = fieldWords(path, root);
  const allowedSentence = words.allowed ? ` ${words.allowed}` : '';
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const required = (parent.required as string[] | undefined) ?? [missing];
      return {
        code: diagnosticCodes.missingField,
        path,
        key: missing,
        message: `${Where} has no ${missing}. Required here: ${joinWords(required)}.`,
      };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      const closest = suggestions.typoOf(key, known);
      const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      const hint = closest !== undefined ? `did you mean '${closest}'?` : `allowed fields: ${joinWords(known)}.`;
      return { code: diagnosticCodes.unknownField, path, key, message: `Unknown field '${shown}' in ${where}; ${hint}` };
    }
    case 'type': {
      const wanted = String(params.type)
        .split(',')
        .map((type) => typeWords[type] ?? type)
        .join(' or ');
      return {
        code: diagnosticCodes.wrongType,
        path,
        message: `${Where} must be ${wanted}, but it is ${describe(value, true)}.${allowedSentence}`,
      };
    }
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[] | undefined) ?? []).map(String);
      const closest = typeof value === 'string' ? suggestions.typoOf(value, allowed) : undefined;
      const near = closest !== undefined ? ` Did you mean '${closest}'?` : '';
      return {
        code: diagnosticCodes.invalidValue,
        path,
        message: `${Where} is ${describe(value)}; allowed values: ${joinWords(allowed)}.${near}`,
      };
    }
    case 'pattern':
    case 'minLength':
    case 'maxLength':
      return { code: diagnosticCodes.invalidValue, path, message: textMessage(error.keyword, Where, value, params, words.allowed) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        code: diagnosticCodes.outOfRange,
        path,
        message: `${Where} is ${describe(value)}; it must be ${rangeWords(parent, params)}.`,
      };
    case 'minItems':
    case 'maxItems':
      return { code: diagnosticCodes.itemCount, path, message: itemCountMessage(error.keyword, Where, value, Number(params.limit)) };
    case 'uniqueItems': {
      const first = Math.min(Number(params.i), Number(params.j));
      const again = Math.max(Number(params.i), Number(params.j));
      return {
        code: diagnosticCodes.duplicateItem,
        path: [...path, again],
        message: `${Where} lists ${describe(Array.isArray(value) ? value[again] : undefined)} twice (items ${first} and ${again}); each may appear once.`,
      };
    }
    case 'dependencies': {
      const present = String(params.property);
      const missing = String(params.missingProperty);
      // Marked on the field that is there, since the missing one has no place to mark.
      return {
        code: diagnosticCodes.invalidValue,
        path: [...path, present],
        message: `${Where} has ${present} but no ${missing}; ${present} applies only with ${missing}.`,
      };
    }
    case 'oneOf':
      // Explained by the branch that fits the value, or as a type problem: see schemaProblems.
      return undefined;
    default:
      return { code: diagnosticCodes.invalidValue, path, message: `${Where} is not allowed here (${error.keyword}).` };
  }
}

function schemaProblems(root: unknown, suggestions: SuggestionBudget): Problem[] {
  const validateLab = labValidator();
  if (validateLab(root)) return [];
  const errors = validateLab.errors ?? [];
  const problems: Problem[] = [];
  // Errors under a oneOf: only those of the branch that fits the value's type count.
  const oneOfPaths = errors.filter((error) => error.keyword === 'oneOf').map((error) => error.instancePath);
  const underOneOf = (instancePath: string): boolean =>
    oneOfPaths.some((path) => instancePath === path || instancePath.startsWith(`${path}/`));
  const missing = new Map<string, Problem & { fields: string[]; required: string[] }>();
  const pushProblem = (problem: Problem): void => {
    if (problem.code !== diagnosticCodes.missingField || problem.key === undefined) {
      problems.push(problem);
      return;
    }
    // One diagnostic per object, naming every field it lacks.
    const where = displayPath(problem.path);
    const known = missing.get(where);
    if (known) {
      known.fields.push(problem.key);
      return;
    }
    const entry = { ...problem, key: undefined, fields: [problem.key], required: [] as string[] };
    missing.set(where, entry);
    problems.push(entry);
  };
  for (const error of errors) {
    if (error.keyword !== 'oneOf' && underOneOf(error.instancePath)) continue;
    if (error.keyword !== 'oneOf') {
      const problem = explain(error, root, suggestions);
      if (problem) pushProblem(problem);
      continue;
    }
    const path = pathSegments(error.instancePath, root);
    const words = fieldWords(path, root);
    const value = valueAt(root, path);
    const chosen = words.oneOf ? branchFor(words.oneOf.branches, value) : -1;
    if (!words.oneOf || chosen < 0) {
      problems.push({
        code: diagnosticCodes.wrongType,
        path,
        message: `${displayPath(path)} is ${describe(value)}, which is not allowed.${words.allowed ? ` ${words.allowed}` : ''}`,
      });
      continue;
    }
    const branch = branchValidator(`${words.oneOf.pointer}/${chosen}`);
    if (branch(value)) continue;
    for (const branchError of branch.errors ?? []) {
      const problem = explain({ ...branchError, instancePath: `${error.instancePath}${branchError.instancePath}` }, root, suggestions);
      if (problem) pushProblem(problem);
    }
  }
  for (const entry of missing.values()) {
    const fields = entry.fields;
    const list = fields.length === 1 ? elementAt(fields, 0) : `${fields.slice(0, -1).join(', ')} and ${fields[fields.length - 1]}`;
    entry.message = entry.message.replace(/has no [^.]*\./, `has no ${list}.`);
  }
  return problems;
}

/** Schema diagnostics of every document of a parsed lab file, at most `limit`. */
export function schemaDiagnostics(document: TextDocument, parsed: Pick<ParsedLab, 'documents'>, limit = Infinity): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const suggestions = new SuggestionBudget();
  for (const single of parsed.documents) {
    const yamlDocument = single.internalDocument as Document;
    const plain = plainValue(yamlDocument, yamlDocument.contents);
    if (!plain) continue;
    for (const problem of schemaProblems(plain.value, suggestions)) {
      if (diagnostics.length >= limit) return diagnostics;
      const span = locate(yamlDocument, problem.path, problem.key) ?? { start: 0, end: 0 };
      // A VM or network that lacks a field is marked on its first line, not as a whole.
      const lineEnd = document.getText().indexOf('\n', span.start);
      const end = problem.code === diagnosticCodes.missingField && lineEnd >= 0 ? Math.min(span.end, lineEnd) : span.end;
      const key = `${span.start}:${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(diagnosticAt(document, { start: span.start, end: Math.max(end, span.start) }, problem.code, problem.message));
    }
  }
  return diagnostics;
}
