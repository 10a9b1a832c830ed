// `vlm cloud accounts|list|start|stop|reboot`: the accounts file, then the same provider code
// the extension runs (registry, parallel listing, the filter), printed as a table or JSON.
import type { CloudError } from '@vlm/clouds/src/cloud-errors';
import { isCloudError } from '@vlm/clouds/src/cloud-errors';
import type { CloudAccount, CloudInstance, PowerAction } from '@vlm/clouds/src/cloud-provider';
import { addressOf, InstanceAddressError, parseInstanceAddress } from '@vlm/clouds/src/instance-address';
import { FilterError, filterInstances, parseInstanceFilter } from '@vlm/clouds/src/instance-filter';
import { listAllInstances } from '@vlm/clouds/src/instance-listing';
import { providerRegistry } from '@vlm/clouds/src/provider-registry';
import { type CloudSetup, findAccount, readCloudSetup } from '../cloud-accounts';
import { exitCodeOf, runCloudCommand, secretsFileProblem } from '../cloud-failures';
import { instanceJson, instanceTable } from '../cloud-instance-text';
import type { CommandHandler, CommandOutput, ParsedArguments } from '../command-table';
import { printable, printableMessage } from '../diagnostic-report';
import { exitCodes, UsageError } from '../exit-codes';
import { textTable } from '../text-table';

function noOperands(parsed: ParsedArguments, commandPath: string): void {
  if (parsed.operands.length > 0) {
    throw new UsageError(`'vlm ${commandPath}' takes no arguments; got: ${parsed.operands.map(printable).join(' ')}.`, commandPath);
  }
}

export const cloudAccounts: CommandHandler = async (parsed, output) => {
  noOperands(parsed, 'cloud accounts');
  return runCloudCommand(output, async () => {
    const setup = await readCloudSetup();
    const rows = await Promise.all(
      setup.accounts.map(async (account) => ({
        id: account.id,
        provider: account.provider,
        label: account.label ?? null,
        available: providerRegistry.isAvailable(account.provider),
        secrets: await setup.secrets.keysOf(account.id),
        settings: account.settings,
      })),
    );
    if (parsed.options.has('json')) {
      output.stdout(`${JSON.stringify({ file: setup.accountsPath, accounts: rows }, null, 2)}\n`);
      return exitCodes.success;
    }
    if (rows.length === 0) {
      output.stdout(`No cloud accounts in ${printable(setup.accountsPath)}. Add them there (see 'vlm cloud accounts --help').\n`);
      return exitCodes.success;
    }
    output.stdout(
      textTable(
        ['ACCOUNT', 'PROVIDER', 'LABEL', 'SECRETS', 'IN THIS BUILD'],
        rows.map((row) => [row.id, row.provider, row.label ?? '-', row.secrets.join(',') || '-', row.available ? 'yes' : 'no']),
      ),
    );
    return exitCodes.success;
  });
};

interface ListFailure {
  account: CloudAccount;
  location?: string;
  error: CloudError;
}

/** Lists one account; its failures are collected, never thrown, so the other accounts still list. */
async function listAccount(
  setup: CloudSetup,
  account: CloudAccount,
  signal: AbortSignal,
): Promise<{ instances: CloudInstance[]; failures: ListFailure[] }> {
  let provider: Awaited<ReturnType<typeof providerRegistry.create>> | undefined;
  try {
    provider = await providerRegistry.create(account, setup.secrets);
    const listing = await listAllInstances(provider, { signal });
    // Every account shares the secrets file: its problem is said once, for the whole command.
    const secrets = listing.errors.map(({ error }) => secretsFileProblem(error)).find((problem) => problem !== undefined);
    if (secrets) throw secrets;
    return {
      instances: listing.instances,
      failures: listing.errors.map(({ location, error }) => ({ account, location: location.id, error })),
    };
  } catch (error) {
    if (!isCloudError(error) || signal.aborted || secretsFileProblem(error)) throw error;
    return { instances: [], failures: [{ account, error }] };
  } finally {
    provider?.dispose();
  }
}

function failureJson(failure: ListFailure): Record<string, unknown> {
  const { error } = failure;
  return {
    account: failure.account.id,
    location: failure.location ?? null,
    provider: error.provider,
    kind: error.kind,
    code: error.details.code ?? null,
    message: error.message,
    hint: error.details.hint ?? null,
  };
}

/** 0 all listed; when nothing was listed and every failure has one exit code, that code; else 1. */
function listExitCode(instances: number, failures: readonly ListFailure[]): number {
  if (failures.length === 0) return exitCodes.success;
  const codes = new Set(failures.map((failure) => exitCodeOf(failure.error)));
  const [only] = codes;
  return instances === 0 && codes.size === 1 && only !== undefined ? only : exitCodes.problems;
}

function selectedAccounts(parsed: ParsedArguments, setup: CloudSetup): CloudAccount[] {
  const accountId = parsed.options.get('account');
  const provider = parsed.options.get('provider');
  const accounts = accountId === undefined ? setup.accounts : [findAccount(setup, accountId, 'cloud list')];
  return provider === undefined ? accounts : accounts.filter((account) => account.provider === provider);
}

function printListing(parsed: ParsedArguments, output: CommandOutput, instances: CloudInstance[], failures: ListFailure[]): void {
  if (parsed.options.has('json')) {
    output.stdout(`${JSON.stringify({ instances: instances.map(instanceJson), errors: failures.map(failureJson) }, null, 2)}\n`);
  } else if (instances.length > 0) {
    output.stdout(instanceTable(instances, Date.now()));
  } else if (failures.length === 0) {
    output.stdout(parsed.options.has('filter') ? 'No instance matches the filter.\n' : 'No instances.\n');
  }
  for (const failure of failures) {
    const where = failure.location === undefined ? failure.account.id : `${failure.account.id}/${failure.location}`;
    output.stderr(`vlm: ${printable(where)}: ${printableMessage(failure.error.describe())}\n`);
  }
}

export const cloudList: CommandHandler = async (parsed, output) => {
  noOperands(parsed, 'cloud list');
  let filter: ReturnType<typeof parseInstanceFilter>;
  try {
    filter = parseInstanceFilter(parsed.options.get('filter') ?? '');
  } catch (error) {
    if (error instanceof FilterError) throw new UsageError(`option --filter: ${error.message}.`, 'cloud list');
    throw error;
  }
  return runCloudCommand(output, async (signal) => {
    const setup = await readCloudSetup();
    const results = await Promise.all(selectedAccounts(parsed, setup).map((account) => listAccount(setup, account, signal)));
    const instances = filterInstances(
      results.flatMap((result) => result.instances),
      filter,
    );
    const failures = results.flatMap((result) => result.failures);
    printListing(parsed, output, instances, failures);
    return listExitCode(instances.length, failures);
  });
};

const doing: Record<PowerAction, string> = {
  start: 'Starting',
  stop: 'Stopping',
  reboot: 'Rebooting',
  forceStop: 'Force-stopping',
  delete: 'Deleting',
};

/** `vlm cloud start|stop|reboot ID`: the action returns once the provider took it; --wait follows it to the end. */
export function cloudPowerAction(action: 'start' | 'stop' | 'reboot'): CommandHandler {
  const commandPath = `cloud ${action}`;
  return async (parsed, output) => {
    const [written, ...extra] = parsed.operands;
    if (written === undefined) throw new UsageError(`missing ID. Usage: vlm ${commandPath} ACCOUNT/LOCATION/INSTANCE.`, commandPath);
    if (extra.length > 0)
      throw new UsageError(`'vlm ${commandPath}' takes one ID; also got: ${extra.map(printable).join(' ')}.`, commandPath);
    const accountOption = parsed.options.get('account');
    if (accountOption !== undefined && written.startsWith(`${accountOption}/`)) {
      throw new UsageError(
        `the ID already starts with the account ${printable(accountOption)}: give the whole ID without --account, or LOCATION/INSTANCE with it.`,
        commandPath,
      );
    }
    let address: ReturnType<typeof parseInstanceAddress>;
    try {
      address = parseInstanceAddress(written, accountOption);
    } catch (error) {
      if (error instanceof InstanceAddressError) throw new UsageError(`argument ID: ${error.message}.`, commandPath);
      throw error;
    }
    return runCloudCommand(output, async (signal) => {
      const setup = await readCloudSetup();
      const account = findAccount(setup, address.accountId, commandPath);
      const provider = await providerRegistry.create(account, setup.secrets);
      try {
        const operation = await provider.runAction(address.location, address.instanceId, action, signal);
        const shown = printable(addressOf({ accountId: account.id, location: address.location, id: address.instanceId }));
        output.stdout(`${doing[action]} ${shown}.\n`);
        if (!parsed.options.has('wait')) return exitCodes.success;
        let last = '';
        const settled = await provider.followOperation(operation, {
          signal,
          onInstance: (instance) => {
            if (instance.state !== last) output.stdout(`  ${instance.state}\n`);
            last = instance.state;
          },
        });
        output.stdout(`${shown} is ${settled.state}.\n`);
        return exitCodes.success;
      } finally {
        provider.dispose();
      }
    });
  };
}
