// `vlm cloud` as a user runs it, before any provider answers: the accounts file and its
// mistakes, settings the provider refuses, hostile IDs and secrets refused on the command line.
// (A provider this build lacks is tested on the registry, in clouds/test/provider-registry.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudHome, makeCloudHome } from './cloud-environment';
import { ensureBuilt, runVlm } from './run-vlm';

let home: CloudHome;
before(async () => {
  ensureBuilt();
  home = await makeCloudHome();
});
after(() => home.remove());

const vsphere = { id: 'vc', provider: 'vsphere', label: 'vCenter', settings: { url: 'https://127.0.0.1:1' } };

describe('vlm cloud accounts', () => {
  it('is in the help', () => {
    const help = runVlm(['--help']);
    assert.match(help.stdout, /cloud list +List the instances of every cloud account/);
    assert.match(runVlm(['cloud', 'list', '--help']).stdout, /--filter TEXT/);
  });

  it('says where to add accounts when there are none', async () => {
    const result = home.vlm(['cloud', 'accounts']);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `No cloud accounts in ${home.accountsPath}. Add them there (see 'vlm cloud accounts --help').\n`);
  });

  it('lists accounts as a table and as JSON', async () => {
    await home.writeAccounts([vsphere]);
    const table = home.vlm(['cloud', 'accounts']);
    assert.equal(table.status, 0);
    assert.deepEqual(table.lines, ['ACCOUNT  PROVIDER  LABEL    SECRETS  IN THIS BUILD', 'vc       vsphere   vCenter  -        yes']);
    const json = JSON.parse(home.vlm(['cloud', 'accounts', '--json']).stdout);
    assert.deepEqual(json, { file: home.accountsPath, accounts: [{ ...vsphere, available: true, secrets: [] }] });
  });

  it('refuses a wrong accounts file with its path and field, exit 2', async () => {
    await home.writeAccounts([{ id: 'vc', provider: 'vmware', settings: {} }]);
    const result = home.vlm(['cloud', 'accounts']);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `vlm: ${home.accountsPath}: accounts[0].provider is "vmware": one of aws, proxmox, azure, gcp, vsphere.\n`);
  });

  it('refuses a wrong hourly price with its path, the same parser as the extension, exit 2', async () => {
    const hourlyPrices = { currency: 'USD', bySize: { '*': '0.02', 't3.micro': '1e-3' } };
    await home.writeAccounts([{ ...vsphere, settings: { ...vsphere.settings, hourlyPrices } }]);
    const result = home.vlm(['cloud', 'accounts']);
    assert.equal(result.status, 2);
    assert.equal(
      result.stderr,
      `vlm: ${home.accountsPath}: accounts[0].settings.hourlyPrices.bySize["t3.micro"] "1e-3" is not a price: write digits with an optional "." and at most 6 decimals, such as 0.0125.\n`,
    );
  });
});

describe('vlm cloud list and power actions with settings the provider refuses', () => {
  before(() => home.writeAccounts([vsphere]));

  it('reports the setting the provider refuses (no username here), exit 2, as text and JSON', () => {
    const text = home.vlm(['cloud', 'list']);
    assert.equal(text.status, 2);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^vlm: vc: vsphere: Setting "username" is missing\./);
    const json = home.vlm(['cloud', 'list', '--json']);
    assert.equal(json.status, 2);
    const { instances, errors } = JSON.parse(json.stdout);
    assert.deepEqual(instances, []);
    assert.deepEqual(
      errors.map((error: Record<string, unknown>) => [error.account, error.location, error.kind, error.message]),
      [['vc', null, 'invalidInput', 'Setting "username" is missing']],
    );
    const stop = home.vlm(['cloud', 'stop', 'vc/DC0/vm-42']);
    assert.equal(stop.status, 2);
    assert.match(stop.stderr, /^vlm: vsphere: Setting "username" is missing\./);
  });

  it('selects accounts by --provider and --account, and refuses an unknown account', () => {
    const none = home.vlm(['cloud', 'list', '--provider', 'gcp']);
    assert.equal(none.status, 0);
    assert.equal(none.stdout, 'No instances.\n');
    const unknown = home.vlm(['cloud', 'list', '--account', 'prod']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^vlm: there is no account 'prod' in .*clouds\.json; accounts: vc\./);
    assert.match(home.vlm(['cloud', 'list', '--provider', 'ibm']).stderr, /option --provider does not accept 'ibm'; allowed: aws, proxmox/);
  });

  it('refuses hostile IDs and filters before reading any file, naming the part', () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['cloud', 'start', '../../etc/passwd'],
        /^vlm: argument ID: the instance "\.\.\/\.\.\/etc\/passwd" does not start with an account id/,
      ],
      [['cloud', 'stop', 'vc/DC0/$(reboot) x'], /holds spaces or control characters/],
      [['cloud', 'reboot', 'vc/i-1'], /is not ACCOUNT\/LOCATION\/INSTANCE, as 'vlm cloud list' prints it/],
      [['cloud', 'stop', 'vc/DC0/vm-1', '--account', 'vc'], /the ID already starts with the account vc/],
      [['cloud', 'stop', 'a/b/c', 'd/e/f'], /takes one ID; also got: d\/e\/f/],
      [['cloud', 'list', '--filter', 'state:asleep'], /option --filter: the filter term state:asleep names no state/],
    ];
    for (const [commandLine, expected] of cases) {
      const result = home.vlm(commandLine);
      assert.equal(result.status, 2, commandLine.join(' '));
      assert.match(result.stderr, expected);
    }
  });
});

describe('vlm cloud secret refusals', () => {
  before(() => home.writeAccounts([vsphere]));

  it('never takes a value from the command line', () => {
    const result = home.vlm(['cloud', 'secret', 'set', 'vc', 'password', 'hunter2-on-argv']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /the value is read from standard input, never from the command line\. Also got 1 more argument/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  it('refuses unknown accounts, bad names and a secret the provider does not take', () => {
    assert.match(home.vlm(['cloud', 'secret', 'set', 'prod', 'token'], 'x').stderr, /there is no account 'prod'/);
    assert.match(home.vlm(['cloud', 'secret', 'set', 'vc', '$(id)'], 'x').stderr, /argument KEY '\$\(id\)' is not a secret name/);
    const unknown = home.vlm(['cloud', 'secret', 'set', 'vc', 'token'], 'x');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^vlm: account vc \(vsphere\) takes no secret 'token'; its secrets are: password\./);
  });

  it('says when there is no secret to remove, exit 1', () => {
    const result = home.vlm(['cloud', 'secret', 'remove', 'vc', 'password']);
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `vlm: there is no secret password of account vc in ${home.secretsPath}.\n`);
  });
});
