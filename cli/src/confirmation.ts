// Asking before changing a host: a question on a terminal, --yes otherwise.
import { createInterface } from 'node:readline/promises';
import { exitCodes } from './exit-codes';
import { ReportedFailure, type HostSession } from './host-session';

/**
 * True when the user agreed (or gave --yes). Without --yes, standard input must be a terminal:
 * a script that pipes into vlm has nobody to answer, so it is refused rather than guessed.
 */
export async function confirm(question: string, yes: boolean, session: HostSession, commandLine: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new ReportedFailure(
      `not asking for confirmation: standard input is not a terminal. Run '${commandLine} --yes' to go ahead without asking.`,
      exitCodes.usage,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const aborted = new AbortController();
  session.onInterrupt(() => aborted.abort());
  // readline reads the terminal raw, so Ctrl-C arrives here rather than as a signal.
  prompt.on('SIGINT', () => session.interrupt());
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: aborted.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if (aborted.signal.aborted) return false;
    throw error;
  } finally {
    prompt.close();
  }
}
