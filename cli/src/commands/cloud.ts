// The `cloud` group: cloud accounts and their instances, through @vlm/clouds (the same code as
// the extension's Clouds tree). Accounts come from a file the user keeps; secrets from an
// encrypted file beside it.
import { providerKinds } from '@vlm/clouds/src/cloud-provider';
import { helpOption, type Command, type OptionSpec } from '../command-table';
import { jsonOption } from '../host-options';

const filesDetail =
  'Accounts are read from $VLM_CLOUDS_FILE, else ~/.config/vlm/clouds.json:\n' +
  '  {"accounts": [{"id": "prod", "provider": "aws", "label": "Production", "settings": {...}}]}\n' +
  "Each provider's settings are described in clouds/README.md. Typed-in secrets (tokens, passwords)\n" +
  "are kept apart, encrypted: see 'vlm cloud secret set --help'.";
const idDetail =
  "ID is ACCOUNT/LOCATION/INSTANCE as 'vlm cloud list' prints it (prod/eu-west-1/i-0abc, home/pve1/pve1/101):\n" +
  "the account, the region, node, location, zone or datacenter ('/' in it written %2F), then the\n" +
  "provider's instance id, slashes included. With --account ACCOUNT, give LOCATION/INSTANCE.";
const exitDetail =
  'Exit status: 0 done, 1 the provider refused or failed (its code and message are printed), 2 a wrong\n' +
  'command line, accounts file or secrets file, or a provider this build does not have, 3 the provider\n' +
  'did not answer, 130 Ctrl-C.';

const accountOption: OptionSpec = { name: 'account', valueName: 'ACCOUNT', description: 'Only this account.' };

function powerAction(verb: 'start' | 'stop' | 'reboot', summary: string): Command {
  return {
    words: ['cloud', verb],
    summary,
    operandsUsage: 'ID',
    details: [
      idDetail,
      "Returns once the provider has taken the action; with --wait, follows it with the provider's own\n" +
        'mechanism (EC2 waiters, Proxmox tasks, Azure long-running operations, GCP zone operations, vSphere\n' +
        'tasks), printing each state the instance passes through, until it settles.',
      exitDetail,
    ],
    options: [
      { name: 'account', valueName: 'ACCOUNT', description: 'The account, when ID is LOCATION/INSTANCE.' },
      { name: 'wait', description: 'Wait until the instance has settled, printing its states.' },
      helpOption,
    ],
    async loadHandler() {
      return (await import('./cloud-handlers')).cloudPowerAction(verb);
    },
  };
}

export const cloudCommands: readonly Command[] = [
  {
    words: ['cloud', 'accounts'],
    summary: 'List the cloud accounts: provider, label, which secrets are stored (names only).',
    operandsUsage: '',
    details: [
      filesDetail,
      'With --json: {"file", "accounts": [{"id", "provider", "label", "available", "secrets", "settings"}]};\n' +
        '"secrets" holds the names of the stored secrets, never their values; "available" is whether this\n' +
        'build has the provider.',
      exitDetail,
    ],
    options: [jsonOption, helpOption],
    async loadHandler() {
      return (await import('./cloud-handlers')).cloudAccounts;
    },
  },
  {
    words: ['cloud', 'list'],
    summary: 'List the instances of every cloud account, all regions or nodes at once.',
    operandsUsage: '',
    details: [
      'Each account lists all its locations in parallel, every page of each. A location or account\n' +
        'that fails is reported on standard error (and in "errors" with --json); the others are still listed.',
      '--filter takes words that must be in the name (any case), key=value tags, state:STATE and\n' +
        'provider:PROVIDER; every term must match. Quote a term with spaces: --filter \'"Name=web 1"\'.',
      'With --json: {"instances": [{"address", "provider", "accountId", "location", "id", "name", "state",\n' +
        '"providerState", "size", "publicAddress", "privateAddress", "startedAt", "tags", "pricePerHour",\n' +
        '"consoleUrl", "actions"}], "errors": [{"account", "location", "provider", "kind", "code",\n' +
        '"message", "hint"}]}; "address" is the ID the start, stop and reboot commands take.',
      `${exitDetail}\nWhen some accounts or locations fail and others list, the status is 1.`,
    ],
    options: [
      { name: 'provider', valueName: 'PROVIDER', allowedValues: providerKinds, description: 'Only accounts of this provider.' },
      accountOption,
      { name: 'filter', valueName: 'TEXT', description: 'Only instances matching TEXT (see above).' },
      jsonOption,
      helpOption,
    ],
    async loadHandler() {
      return (await import('./cloud-handlers')).cloudList;
    },
  },
  powerAction('start', 'Start a cloud instance.'),
  powerAction('stop', 'Stop a cloud instance.'),
  powerAction('reboot', 'Reboot a running cloud instance.'),
  {
    words: ['cloud', 'secret', 'set'],
    summary: 'Store a secret of an account (an API token, a password), encrypted; the value is read from standard input.',
    operandsUsage: 'ACCOUNT KEY',
    details: [
      "KEY is one of the secrets the account's provider takes (vlm says which). The value is typed\n" +
        'without echo on a terminal, or piped in (one final line end is dropped); never on the command line.',
      'Secrets are kept in $VLM_SECRETS_FILE, else ~/.config/vlm/secrets.json, each value sealed with\n' +
        'AES-256-GCM under its own random IV. The key is $VLM_SECRETS_KEY (32 bytes in base64), else the\n' +
        'file $VLM_SECRETS_KEY_FILE, else ~/.config/vlm/secrets.key, made with mode 0600 on first use; a key\n' +
        'file that group or others may read is refused. A wrong key or an altered file is refused.',
      exitDetail,
    ],
    options: [helpOption],
    async loadHandler() {
      return (await import('./cloud-secret-handlers')).secretSet;
    },
  },
  {
    words: ['cloud', 'secret', 'remove'],
    summary: 'Remove a stored secret of an account.',
    operandsUsage: 'ACCOUNT KEY',
    details: ['Needs no key: removing reads nothing. Exit status 1 when there is no such secret.', exitDetail],
    options: [helpOption],
    async loadHandler() {
      return (await import('./cloud-secret-handlers')).secretRemove;
    },
  },
];
