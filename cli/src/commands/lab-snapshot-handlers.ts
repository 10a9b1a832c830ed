// `vlm lab snapshot|revert|snapshots|delete-snapshot`: describe → run → parse against the host API.
import {
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsListRequest,
  LabSnapshotsRevertRequest,
  type LabSnapshotVmOutcome,
} from '@vlm/schemas/src/host-protocol';
import type { CommandHandler, CommandOutput, ParsedArguments } from '../command-table';
import { confirm } from '../confirmation';
import { printable } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { type HostSession, withHost } from '../host-session';
import { textTable } from '../text-table';
import { checkLabName } from '../vm-address';

/** LAB, and NAME when the command takes one; the snapshot name's rule is the host's (its schema). */
function labAndName(parsed: ParsedArguments, commandPath: string): { lab: string; name: string } {
  const [lab, name, ...extra] = parsed.operands;
  if (lab === undefined || name === undefined) {
    throw new UsageError(`missing ${lab === undefined ? 'LAB and NAME' : 'NAME'}. Usage: vlm ${commandPath} LAB NAME.`, commandPath);
  }
  if (extra.length > 0)
    throw new UsageError(`'vlm ${commandPath}' takes LAB and NAME; also got: ${extra.map(printable).join(' ')}.`, commandPath);
  return { lab: checkLabName(lab, 'LAB', commandPath), name };
}

function printOutcomes(output: CommandOutput, vms: readonly LabSnapshotVmOutcome[]): void {
  output.stdout(
    textTable(
      ['VM', 'DOMAIN', 'OUTCOME', 'STATE'],
      vms.map((vm) => [vm.vm, vm.domain, vm.outcome, vm.state]),
    ),
  );
}

export const labSnapshot: CommandHandler = async (parsed, output) => {
  const { lab, name } = labAndName(parsed, 'lab snapshot');
  const description = parsed.options.get('description');
  return withHost(parsed, 'lab snapshot', output, async (session) => {
    const result = await session.request(LabSnapshotsCreateRequest.type, {
      lab,
      name,
      ...(description === undefined ? {} : { description }),
    });
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return exitCodes.success;
    }
    output.stdout(`Lab ${lab} snapshot ${name} is taken (${result.vms.length} VMs, all paused while it was taken).\n`);
    printOutcomes(output, result.vms);
    return exitCodes.success;
  });
};

/** Asks before a destructive request; false when the user said no (or pressed Ctrl-C), with what to print. */
async function agreed(parsed: ParsedArguments, output: CommandOutput, question: string, commandLine: string, session: HostSession) {
  const yes = await confirm(question, parsed.options.has('yes'), session, commandLine);
  if (!yes && !session.wasInterrupted) output.stderr('vlm: nothing was changed.\n');
  return yes;
}

export const labRevert: CommandHandler = async (parsed, output) => {
  const { lab, name } = labAndName(parsed, 'lab revert');
  return withHost(parsed, 'lab revert', output, async (session) => {
    const { snapshots } = await session.request(LabSnapshotsListRequest.type, { lab });
    const snapshot = snapshots.find((item) => item.name === name);
    if (snapshot)
      output.stdout(
        `Reverting lab ${lab} to ${name} (taken ${snapshot.createdAt}) loses the present state of: ${snapshot.members.map((member) => member.vm).join(', ')}.\n`,
      );
    if (!(await agreed(parsed, output, `Revert lab ${lab} to ${name}?`, `vlm lab revert ${lab} ${printable(name)}`, session))) {
      return session.wasInterrupted ? exitCodes.cancelled : exitCodes.problems;
    }
    const result = await session.request(LabSnapshotsRevertRequest.type, { lab, name });
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return exitCodes.success;
    }
    output.stdout(`Lab ${lab} is reverted to ${name}.\n`);
    printOutcomes(output, result.vms);
    return exitCodes.success;
  });
};

export const labSnapshots: CommandHandler = async (parsed, output) => {
  const [first, ...extra] = parsed.operands;
  if (first === undefined) throw new UsageError('missing LAB. Usage: vlm lab snapshots LAB.', 'lab snapshots');
  if (extra.length > 0)
    throw new UsageError(`'vlm lab snapshots' takes one LAB; also got: ${extra.map(printable).join(' ')}.`, 'lab snapshots');
  const lab = checkLabName(first, 'LAB', 'lab snapshots');
  return withHost(parsed, 'lab snapshots', output, async (session) => {
    const { snapshots } = await session.request(LabSnapshotsListRequest.type, { lab });
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify({ snapshots }, null, 2)}\n`);
      return exitCodes.success;
    }
    if (snapshots.length === 0) {
      output.stdout(`Lab ${lab} has no snapshots.\n`);
      return exitCodes.success;
    }
    const rows = snapshots.map((snapshot) => [
      snapshot.name,
      snapshot.createdAt,
      snapshot.members.map((member) => member.vm).join(','),
      snapshot.missing.length > 0 ? snapshot.missing.join(',') : '-',
      printable(snapshot.description.split('\n')[0] ?? ''),
    ]);
    output.stdout(textTable(['NAME', 'CREATED', 'VMS', 'MISSING', 'DESCRIPTION'], rows));
    return exitCodes.success;
  });
};

export const labDeleteSnapshot: CommandHandler = async (parsed, output) => {
  const { lab, name } = labAndName(parsed, 'lab delete-snapshot');
  return withHost(parsed, 'lab delete-snapshot', output, async (session) => {
    if (
      !(await agreed(
        parsed,
        output,
        `Delete lab ${lab}'s snapshot ${printable(name)}?`,
        `vlm lab delete-snapshot ${lab} ${printable(name)}`,
        session,
      ))
    ) {
      return session.wasInterrupted ? exitCodes.cancelled : exitCodes.problems;
    }
    const result = await session.request(LabSnapshotsDeleteRequest.type, { lab, name });
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return exitCodes.success;
    }
    output.stdout(`Lab ${lab}'s snapshot ${name} is deleted.\n`);
    printOutcomes(output, result.vms);
    return exitCodes.success;
  });
};
