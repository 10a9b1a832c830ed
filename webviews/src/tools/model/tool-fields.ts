// What a tool's fields must be, said field by field: the panel shows these before sending and the
// extension checks them again before saving. Text is kept as written and shown as text only.
import type { Tool, ToolFields } from '@vlm/schemas';
import { toolUrlProblem } from './tool-url';

/** Those of panel-messages.schema.json; `tools` is what one message to the panel may carry. */
export const toolLimits = { name: 200, category: 80, tag: 50, tags: 50, notes: 65_536, tools: 10_000 } as const;

/** A character below space, DEL or a C1 control: what the URL rule refuses too. */
export function hasControlCharacter(text: string): boolean {
  return [...text].some((character) => character < ' ' || (character >= '\u007f' && character <= '\u009f'));
}

function textProblem(value: string, limit: number, example: string): string | undefined {
  if (value.trim() === '') return `give one, such as ${example}`;
  if (value.length > limit) return `it has ${value.length} characters; at most ${limit} are allowed`;
  if (hasControlCharacter(value)) return 'it contains a control character such as a line break or tab';
  return undefined;
}

/** Each problem as "Field: what is wrong". */
export function toolFieldsProblems(fields: ToolFields): string[] {
  const problems: string[] = [];
  const add = (field: string, problem: string | undefined) => {
    if (problem) problems.push(`${field}: ${problem}`);
  };
  add('Name', textProblem(fields.name, toolLimits.name, 'Grafana'));
  add('URL', toolUrlProblem(fields.url));
  add('Category', textProblem(fields.category, toolLimits.category, 'monitoring'));
  if (fields.tags.length > toolLimits.tags) add('Tags', `${fields.tags.length} tags; at most ${toolLimits.tags} are allowed`);
  const seen = new Set<string>();
  for (const tag of fields.tags) {
    add(
      `Tag "${tag.slice(0, 20)}"`,
      tag.includes(',') ? 'it contains a comma, which separates tags' : textProblem(tag, toolLimits.tag, 'ops'),
    );
    if (seen.has(tag.toLowerCase())) add('Tags', `"${tag.slice(0, 20)}" is given twice`);
    seen.add(tag.toLowerCase());
  }
  if (fields.notes.length > toolLimits.notes) add('Notes', `${fields.notes.length} characters; at most ${toolLimits.notes} are allowed`);
  return problems;
}

/** Tags typed as "ops, metrics": trimmed, empty ones dropped. Repeats are left for the check to report. */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/** The dashboard file's check of its tools section: a sentence for the first bad tool. */
export function toolsSectionProblem(tools: readonly Tool[]): string | undefined {
  for (const [index, tool] of tools.entries()) {
    const problems = toolFieldsProblems(tool);
    if (problems.length > 0) return `tools[${index}] ${problems.join('; ')}`;
  }
  return undefined;
}
