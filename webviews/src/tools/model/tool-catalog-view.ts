// What the Tools panel shows: tools filtered by text, category and tag, sorted by name; the
// categories and tags to filter by; each tool's health as words (colour only repeats them); and
// which tools are due for a check.
import type { Tool } from '@vlm/schemas';

export interface ToolFilter {
  /** Matched, ignoring case, in the name, the category and the tags. */
  text?: string;
  category?: string;
  tag?: string;
}

export function filterTools(tools: readonly Tool[], filter: ToolFilter): Tool[] {
  const text = filter.text?.trim().toLowerCase() ?? '';
  return tools
    .filter(
      (tool) =>
        (!filter.category || tool.category === filter.category) &&
        (!filter.tag || tool.tags.includes(filter.tag)) &&
        (text === '' || [tool.name, tool.category, ...tool.tags].some((value) => value.toLowerCase().includes(text))),
    )
    .sort((left, right) => left.name.localeCompare(right.name) || left.id.localeCompare(right.id));
}

function distinctSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((left, right) => left.localeCompare(right));
}

export function categoriesOf(tools: readonly Tool[]): string[] {
  return distinctSorted(tools.map((tool) => tool.category));
}

export function tagsOf(tools: readonly Tool[]): string[] {
  return distinctSorted(tools.flatMap((tool) => tool.tags));
}

export type HealthKind = 'up' | 'down' | 'unchecked' | 'off';

/** A tool's health in words, and its kind for the colour. */
export function healthSummary(tool: Tool): { kind: HealthKind; text: string } {
  if (!tool.healthCheck) return { kind: 'off', text: 'Not checked' };
  const health = tool.health;
  if (!health) return { kind: 'unchecked', text: 'Not checked yet' };
  const latency = health.latencyMs === undefined ? '' : ` · ${health.latencyMs} ms`;
  if (health.error !== undefined) return { kind: 'down', text: `Down: ${health.error}${health.status ? ` (HTTP ${health.status})` : ''}` };
  const status = health.status ?? 0;
  if (status >= 200 && status < 400) return { kind: 'up', text: `Up · HTTP ${status}${latency}` };
  return { kind: 'down', text: `Down · HTTP ${status}${latency}` };
}

/** Tools that ask for a check and have none newer than `intervalMs` before `now`. */
export function toolsDueForCheck(tools: readonly Tool[], now: Date, intervalMs: number): Tool[] {
  return tools.filter((tool) => {
    if (!tool.healthCheck) return false;
    const checkedAt = tool.health ? Date.parse(tool.health.checkedAt) : Number.NaN;
    return !(now.getTime() - checkedAt < intervalMs);
  });
}
