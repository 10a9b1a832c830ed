// What the status bar item says: hosts connected out of all, and a deploy in progress (which lab,
// its latest step). Plain data from the host snapshots, no vscode: unit-tested. The text is plain
// (status bar text renders only $(icon) syntax, which host names cannot contain: see `plainText`).
import type { HostSnapshot } from './host-snapshot';

export interface StatusBarLook {
  text: string;
  tooltip: string;
}

/** A lab being deployed, with the last step its host reported (a deploy-log line). */
export interface RunningDeploy {
  hostName: string;
  labName: string;
  step?: string;
}

/** The longest step shown in the status bar itself; the tooltip has it whole. */
export const stepLength = 40;

/** A host's words without `$(…)`, which the status bar would draw as an icon. */
export function plainText(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(').replace(/[\r\n]+/g, ' ');
}

/** Labs whose host says they are being deployed, with their latest step. */
export function runningDeploys(snapshots: readonly HostSnapshot[], steps: ReadonlyMap<string, string>): RunningDeploy[] {
  return snapshots.flatMap((snapshot) =>
    snapshot.state.status !== 'connected'
      ? []
      : snapshot.labs
          .filter((lab) => lab.status === 'deploying')
          .map((lab) => {
            const step = steps.get(deployKey(snapshot.host.name, lab.name));
            return { hostName: snapshot.host.name, labName: lab.name, ...(step === undefined ? {} : { step }) };
          }),
  );
}

export function deployKey(hostName: string, labName: string): string {
  return `${hostName}/${labName}`;
}

export function statusBarLook(snapshots: readonly HostSnapshot[], deploys: readonly RunningDeploy[]): StatusBarLook {
  const connected = snapshots.filter((snapshot) => snapshot.state.status === 'connected').length;
  const hosts = `${connected}/${snapshots.length}`;
  const hostLines = snapshots.map(
    (snapshot) => `${plainText(snapshot.host.name)}: ${snapshot.state.status === 'connected' ? 'connected' : snapshot.state.status}`,
  );
  const [deploy] = deploys;
  if (!deploy) {
    return {
      text: `$(server) ${hosts}`,
      tooltip: [
        `Virtual Labs: ${connected} of ${snapshots.length} hosts connected`,
        ...hostLines,
        '',
        'Click to show the Hosts view.',
      ].join('\n'),
    };
  }
  const step = deploy.step ? plainText(deploy.step) : 'starting';
  const shortStep = step.length > stepLength ? `${step.slice(0, stepLength - 1)}…` : step;
  const more = deploys.length > 1 ? ` (+${deploys.length - 1})` : '';
  return {
    text: `$(server) ${hosts} $(sync~spin) ${plainText(deploy.labName)}: ${shortStep}${more}`,
    tooltip: [
      `Virtual Labs: ${connected} of ${snapshots.length} hosts connected`,
      ...hostLines,
      '',
      ...deploys.map(
        (item) => `Deploying ${plainText(item.labName)} on ${plainText(item.hostName)}: ${item.step ? plainText(item.step) : 'starting'}`,
      ),
      '',
      'Click to show the Hosts view.',
    ].join('\n'),
  };
}
