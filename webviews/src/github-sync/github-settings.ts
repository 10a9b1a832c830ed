// The store's check of the github section, kept apart from the sync so the store loads no client.
import type { DashboardData } from '@vlm/schemas';

/** The store's check of the github section: each repository chosen once. */
export function githubSettingsProblem(data: DashboardData): string | undefined {
  const seen = new Set<string>();
  for (const [index, settings] of data.github.repositories.entries()) {
    const name = settings.repository.toLowerCase();
    if (seen.has(name)) return `github.repositories[${index}] repeats the repository ${settings.repository}`;
    seen.add(name);
  }
  return undefined;
}
