// `ansible_config_yaml` must hold a YAML list of plays, and nothing in it may act outside its VM
// (the rules vlm-host enforces before a run, shared from @vlm/schemas). Its content is parsed on
// its own and problems are placed at their line and column inside the block scalar.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { findPlaybookRuleProblems } from '@vlm/schemas/src/playbook-rules';
import type { Document, Node } from 'yaml';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnosticCodes } from './diagnostic-codes';
import type { LabValue, SourceSpan } from './lab-model';
import { mapBlockScalar } from './block-scalar';
import { inspectInput } from './input-guards';
import { diagnosticAt } from './lab-diagnostics';
import { elementAt } from './element-at';

interface PlaybookProblem {
  /** Offsets in the playbook text. */
  start: number;
  end: number;
  message: string;
}

// Playbooks repeat across VMs and across edits; results depend only on the text and the VM.
const problemsByText = new Map<string, PlaybookProblem[]>();
const cacheLimit = 5000;

/** What a playbook's text alone decides: its syntax and shape, and its parse for the rules. */
interface PlaybookText {
  problems: PlaybookProblem[];
  /** Present when the text is a clean list of plays, ready for the VM-dependent rules. */
  parsed?: Document;
}

// A lab often gives many VMs one playbook: it is parsed once, and only the rules that name the
// VM run per VM. Bounded by count and by text size, since a hostile lab controls both.
const parsedByText = new Map<string, PlaybookText>();
const parsedCacheLimit = 500;
const parsedCacheCharacters = 1_000_000;
let parsedCharacters = 0;

function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'empty' : `the ${typeof node.value} ${JSON.stringify(node.value)}`.slice(0, 80);
  return 'empty';
}

/** Problems of the playbook's own shape: refused input, YAML errors, a value that is not a list of plays. */
function readPlaybookText(text: string): PlaybookText {
  const problems: PlaybookProblem[] = [];
  // The playbook is parsed on its own, so it gets the same protection as the document.
  const inspection = inspectInput(text);
  if (inspection.refused) {
    for (const problem of inspection.problems) {
      problems.push({ start: problem.start, end: problem.end, message: `was not checked: ${problem.message}` });
    }
    return { problems };
  }
  const parsed = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  for (const error of parsed.errors) {
    problems.push({ start: error.pos[0], end: Math.max(error.pos[1], error.pos[0] + 1), message: `is not valid YAML: ${error.message}` });
  }
  if (problems.length > 0) return { problems };
  const contents = parsed.contents as Node | null;
  const range = contents?.range;
  if (!isSeq(contents)) {
    problems.push({
      start: range?.[0] ?? 0,
      end: range?.[1] ?? text.length,
      message: `must be a YAML list of plays (each a mapping such as '- hosts: all'), but it is ${describeNode(contents)}.`,
    });
    return { problems };
  }
  contents.items.forEach((item, position) => {
    const itemRange = (item as Node | null)?.range;
    const where = { start: itemRange?.[0] ?? range?.[0] ?? 0, end: itemRange?.[1] ?? range?.[1] ?? text.length };
    if (!isMap(item)) {
      problems.push({
        ...where,
        message: `play ${position + 1} is ${describeNode(item)}; each play must be a mapping such as 'hosts: all'.`,
      });
    } else if (!item.has('hosts') && !item.has('import_playbook') && !item.has('ansible.builtin.import_playbook')) {
      problems.push({ ...where, message: `play ${position + 1} has no 'hosts'; Ansible requires it (use 'hosts: all' for this VM).` });
    }
  });
  return problems.length > 0 ? { problems } : { problems, parsed };
}

function playbookText(text: string): PlaybookText {
  const cached = parsedByText.get(text);
  if (cached) return cached;
  const read = readPlaybookText(text);
  if (text.length > parsedCacheCharacters / 10) return read;
  if (parsedByText.size >= parsedCacheLimit || parsedCharacters + text.length > parsedCacheCharacters) {
    parsedByText.clear();
    parsedCharacters = 0;
  }
  parsedByText.set(text, read);
  parsedCharacters += text.length;
  return read;
}

export function findPlaybookProblems(text: string, vmName?: string): PlaybookProblem[] {
  const cacheKey = `${vmName ?? ''}\u0000${text}`;
  const cached = problemsByText.get(cacheKey);
  if (cached) return cached;
  const { problems: shapeProblems, parsed } = playbookText(text);
  const problems = [...shapeProblems];
  if (parsed) {
    for (const problem of findPlaybookRuleProblems(text, vmName === undefined ? { parsed } : { vmName, parsed })) {
      problems.push({ start: problem.start, end: problem.end, message: `would act outside its VM: ${problem.message}` });
    }
  }
  if (problemsByText.size >= cacheLimit) problemsByText.clear();
  problemsByText.set(cacheKey, problems);
  return problems;
}

export function checkAnsiblePlaybook(
  document: TextDocument,
  documentText: string,
  value: LabValue<string>,
  keyColumn: number,
  vmName?: string,
): Diagnostic[] {
  const problems = findPlaybookProblems(value.value, vmName);
  if (problems.length === 0) return [];
  const scalar = value.node;
  const blockScalar = scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED';
  const range = scalar.range;
  const content =
    !value.viaAlias && blockScalar && range ? mapBlockScalar(documentText, range[0], range[1], keyColumn, value.value) : undefined;
  return problems.map((problem) => {
    let span: SourceSpan = value.span;
    if (content) {
      const offsets = content.sourceOffsets;
      // Offsets past the last character (errors at the end of the text) stay on its last line.
      const lastCharacter = Math.max(offsets.length - 2, 0);
      const start = elementAt(offsets, Math.min(problem.start, lastCharacter));
      const endIndex = Math.min(Math.max(problem.end, problem.start + 1), offsets.length - 1);
      // An empty value has only its end offset: the problem then spans one character from its start.
      const end = endIndex > 0 ? Math.max(elementAt(offsets, endIndex - 1) + 1, start + 1) : start + 1;
      span = { start, end: Math.min(end, documentText.length) };
    }
    return diagnosticAt(document, span, diagnosticCodes.invalidAnsible, `ansible_config_yaml ${problem.message}`);
  });
}
