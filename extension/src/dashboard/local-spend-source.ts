// Local labs' spend as a spend source: each connected host's running intervals for the month
// (vlm/vms/runningIntervals), priced with the dashboard's cost model. A host that is not
// connected, or too old to record running time, is a problem line, not a silent zero.
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { CostModel } from '@vlm/schemas';
import { HostErrorCode, VmsRunningIntervalsRequest } from '@vlm/schemas/src/host-protocol';
import { HostRequestError, sendHostRequest } from '@vlm/host-client/src/host-requests';
import { printableMessage } from '@vlm/host-client/src/printable';
import { localSpendLines } from '@vlm/webviews/src/costs/local-spend';
import type { SpendSource, SpendSourceAnswer } from './derived-spend';

export interface LocalSpendHost {
  name: string;
  /** Present while the host is connected. */
  connection: MessageConnection | undefined;
  /** Why it is not connected, in words. */
  reason?: string;
}

export interface LocalSpendOptions {
  hosts(): LocalSpendHost[];
  /** The dashboard's cost model; undefined until the user sets one. */
  costModel(): Promise<CostModel | undefined>;
  /** How long a host may take to answer (default 15 s). */
  answerTimeoutMs?: number;
}

/** A host that does not answer in this time is reported, so the panel's other spend still shows. */
const defaultAnswerTimeoutMs = 15_000;

class HostTimedOut extends Error {}

/** Host names come from settings: kept short and on one line in notes and problems. */
function shownName(name: string): string {
  const line = printableMessage(name);
  return line.length <= 60 ? line : `${line.slice(0, 59)}…`;
}

export function localSpendSource(options: LocalSpendOptions): SpendSource {
  return {
    name: 'Local labs',
    async linesFor(month: string): Promise<SpendSourceAnswer> {
      const hosts = options.hosts();
      if (hosts.length === 0) return { lines: [], problems: [] };
      const model = await options.costModel();
      if (!model) {
        return { lines: [], problems: ['Local labs are not priced: set a cost model (Virtual Labs: Set Cost Model).'] };
      }
      const answers = await Promise.all(
        hosts.map((host) => hostLines(host, model, month, options.answerTimeoutMs ?? defaultAnswerTimeoutMs)),
      );
      return { lines: answers.flatMap((answer) => answer.lines), problems: answers.flatMap((answer) => answer.problems) };
    },
  };
}

async function hostLines(host: LocalSpendHost, model: CostModel, month: string, answerTimeoutMs: number): Promise<SpendSourceAnswer> {
  const name = shownName(host.name);
  if (!host.connection) {
    return { lines: [], problems: [`Host ${name} is unreachable, so its labs' spend is missing${host.reason ? `: ${host.reason}` : '.'}`] };
  }
  try {
    let timer: NodeJS.Timeout | undefined;
    // A host that never answers must not hold the panel's computed spend: the request fails instead.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HostTimedOut()), answerTimeoutMs);
    });
    const answer = await sendHostRequest(host.connection, VmsRunningIntervalsRequest.type, { month }, { closed: late }).finally(() =>
      clearTimeout(timer),
    );
    if (!answer || !Array.isArray(answer.intervals) || typeof answer.now !== 'string') {
      return { lines: [], problems: [`Host ${name} answered the running-time request with something that is not running intervals.`] };
    }
    return localSpendLines(answer.intervals, model, month, answer.now, name);
  } catch (error) {
    if (error instanceof HostTimedOut) {
      return { lines: [], problems: [`Host ${name} did not answer within ${answerTimeoutMs / 1000} s, so its labs' spend is missing.`] };
    }
    if (error instanceof HostRequestError && error.code === HostErrorCode.MethodNotFound) {
      return { lines: [], problems: [`Host ${name} runs a vlm-host that does not record running time: update it to see its labs' spend.`] };
    }
    return {
      lines: [],
      problems: [`Host ${name}: the running time could not be read: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
}
