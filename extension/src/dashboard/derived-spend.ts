// Computed spend for the Expenses panel, from a list of spend sources (local labs, cloud hours,
// Cost Explorer): each gives its lines for a month and says why it could not give some. A source
// that fails becomes a problem line; the others still count. No vscode here.
import type { DerivedSpend, ExpensesToPanel } from '@vlm/schemas';

export interface SpendSourceAnswer {
  lines: DerivedSpend[];
  /** Why some of this source's spend is missing, one sentence each (e.g. "host X unreachable"). */
  problems: string[];
}

export interface SpendSource {
  /** Shown before the problems of a source that failed, e.g. "Local labs". */
  readonly name: string;
  linesFor(month: string): Promise<SpendSourceAnswer>;
}

/** What the derivedSpend message may carry (panel-messages.schema.json). */
const lineLimit = 100_000;
const problemLimit = 100;
const problemLength = 1000;

function clipped(text: string): string {
  return text.length <= problemLength ? text : `${text.slice(0, problemLength - 1)}…`;
}

/** The `derivedSpend` message for `month` (YYYY-MM, UTC): every source asked at once. */
export async function derivedSpendFor(sources: readonly SpendSource[], month: string): Promise<ExpensesToPanel> {
  const answers = await Promise.allSettled(sources.map((source) => source.linesFor(month)));
  const lines: DerivedSpend[] = [];
  const problems: string[] = [];
  answers.forEach((answer, index) => {
    if (answer.status === 'fulfilled') {
      lines.push(...answer.value.lines);
      problems.push(...answer.value.problems);
    } else {
      const reason = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
      problems.push(`${sources[index]?.name ?? 'A spend source'}: ${reason}`);
    }
  });
  if (lines.length > lineLimit) problems.push(`Only the first ${lineLimit} of ${lines.length} computed lines are shown.`);
  if (problems.length > problemLimit) {
    const more = problems.length - (problemLimit - 1);
    problems.splice(problemLimit - 1, problems.length, `And ${more} more problems.`);
  }
  return { type: 'derivedSpend', lines: lines.slice(0, lineLimit), problems: problems.map(clipped) };
}

/** The current calendar month in UTC, YYYY-MM: the month the panel's computed spend is for. */
export function currentUtcMonth(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}
