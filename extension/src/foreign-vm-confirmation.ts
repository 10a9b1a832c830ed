// Deleting a domain VLM did not make, or reverting or deleting one of its snapshots: the host
// refuses (InvalidState at /confirmForeign) until the request names the domain a second time. The user gives that name by typing it; nothing here
// fills it in for them. No `vscode` import: unit-tested against a real host.
import { HostErrorCode } from '@vlm/schemas/src/host-protocol';

/** True for the host's "this host did not make that domain; name it in confirmForeign" refusal. */
export function isForeignRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, data } = error as { code?: unknown; data?: { field?: unknown } };
  return code === HostErrorCode.InvalidState && data?.field === '/confirmForeign';
}

/** For the input box: why the typed text does not confirm `domain`, or undefined when it does. */
export function typedNameProblem(typed: string, domain: string): string | undefined {
  return typed === domain ? undefined : `Type the domain name exactly: ${domain}`;
}

export interface ForeignConfirmationSteps<R> {
  /** Sends the request (vms/delete, snapshots/revert or snapshots/delete), with confirmForeign when given. */
  send(confirmForeign?: string): Promise<R>;
  /**
   * Shows why the host refused (`reason`) and asks the user to type the domain's name; undefined
   * when they cancel.
   */
  askForName(domain: string, reason: string): Promise<string | undefined>;
}

/**
 * Sends the request; when the host says VLM did not make the domain, asks for its name and sends
 * it again only with exactly that name. Undefined when the user did not confirm (nothing was done).
 */
export async function sendConfirmingForeign<R>(domain: string, steps: ForeignConfirmationSteps<R>): Promise<R | undefined> {
  try {
    return await steps.send();
  } catch (error) {
    if (!isForeignRefusal(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const typed = await steps.askForName(domain, reason);
    if (typed === undefined || typedNameProblem(typed, domain) !== undefined) return undefined;
    return steps.send(typed);
  }
}
