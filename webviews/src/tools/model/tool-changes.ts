// Add, edit and delete as changes to the list of tools, each returning the step that undoes it
// (the undo design of the expenses, shared: applyUndo and UndoHistory). Health results are not
// changes the user makes: they are recorded apart and never undone.
import type { Tool, ToolFields, ToolHealth } from '@vlm/schemas';
import { type UndoStep, applyUndo } from '../../expenses/model/expense-changes';
import { toolFieldsProblems, toolLimits } from './tool-fields';
import { normalizedToolUrl } from './tool-url';

export type ToolChange =
  | { type: 'add'; fields: ToolFields }
  | { type: 'edit'; id: string; fields: ToolFields }
  | { type: 'delete'; id: string };

export type ToolUndoStep = UndoStep<Tool>;

export class ToolChangeError extends Error {
  override readonly name = 'ToolChangeError';
}

function checked(fields: ToolFields, what: string): ToolFields {
  const problems = toolFieldsProblems(fields);
  if (problems.length > 0) throw new ToolChangeError(`${what}: ${problems.join('; ')}.`);
  return { ...fields, name: fields.name.trim(), category: fields.category.trim(), url: normalizedToolUrl(fields.url) };
}

/** Applies `change` to `tools` in place; returns how to undo it. Throws, changing nothing, when it cannot apply. */
export function applyToolChange(tools: Tool[], change: ToolChange, newId: () => string): ToolUndoStep {
  switch (change.type) {
    case 'add': {
      if (tools.length >= toolLimits.tools)
        throw new ToolChangeError(`The tool was not added: the catalog holds at most ${toolLimits.tools} tools; delete one first.`);
      const tool: Tool = { id: newId(), ...checked(change.fields, 'The tool was not added') };
      tools.push(tool);
      return { type: 'remove', ids: [tool.id] };
    }
    case 'edit': {
      const index = indexOf(tools, change.id, 'changed');
      const before = tools[index] as Tool;
      const after: Tool = { id: change.id, ...checked(change.fields, 'The tool was not changed') };
      // The last result still describes the same URL; a new URL has not been checked yet.
      if (before.health && after.url === before.url && after.healthCheck) after.health = before.health;
      tools[index] = after;
      return { type: 'revert', entry: before };
    }
    case 'delete': {
      const index = indexOf(tools, change.id, 'deleted');
      const [tool] = tools.splice(index, 1) as [Tool];
      return { type: 'restore', entry: tool, index };
    }
  }
}

export function undoToolChange(tools: Tool[], step: ToolUndoStep): void {
  applyUndo(tools, step, 'tool');
}

function indexOf(tools: Tool[], id: string, verb: string): number {
  const index = tools.findIndex((tool) => tool.id === id);
  if (index < 0) throw new ToolChangeError(`The tool ${id} was not ${verb}: it no longer exists (another window may have deleted it).`);
  return index;
}

/**
 * Records a health result if the tool still has the URL that was checked: it may have been
 * edited or deleted, here or in another window, while the check ran. True when recorded.
 */
export function recordHealth(tools: Tool[], id: string, url: string, health: ToolHealth): boolean {
  const tool = tools.find((candidate) => candidate.id === id);
  if (!tool || tool.url !== url || !tool.healthCheck) return false;
  tool.health = health;
  return true;
}
