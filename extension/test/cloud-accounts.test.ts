import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudInstance, PowerAction } from '@vlm/clouds/src/cloud-provider';
import { CloudError } from '@vlm/clouds/src/cloud-errors';
import { accountIdPattern } from '@vlm/clouds/src/account-check';
import { checkAccountSettings } from '../src/clouds/cloud-providers';
import { failureText, parseCloudAccounts, problemOf, secretStorageKey } from '../src/clouds/cloud-accounts';
import { confirmation, consoleUrlProblem, selectedInstanceRows, whileRunning } from '../src/clouds/cloud-actions';
import { secretsToAsk, settingQuestions, settingValue } from '../src/clouds/cloud-account-questions';
import { instanceContextValue, instanceRow } from '../src/clouds/cloud-rows';
import { sshAddressProblem, sshUserProblem } from '../src/clouds/cloud-ssh-terminal-checks';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));

function instance(overrides: Partial<CloudInstance> = {}): CloudInstance {
  return {
    provider: 'aws',
    accountId: 'aws-main',
    location: 'eu-west-1',
    id: 'i-0abc',
    name: 'web-1',
    state: 'running',
    providerState: 'running',
    publicAddress: '203.0.113.7',
    tags: {},
    consoleUrl: 'https://console.aws.amazon.com/ec2/',
    actions: ['stop', 'reboot', 'forceStop', 'delete'],
    ...overrides,
  };
}

test('the setting takes well-formed accounts and names the entry, field and what is allowed for the rest', () => {
  const { accounts, problems } = parseCloudAccounts([
    { id: 'aws-main', provider: 'aws', settings: { regions: ['eu-west-1'] } },
    { id: 'home pve', provider: 'proxmox', settings: {} },
    { id: 'x', provider: 'digitalocean', settings: {} },
    { id: 'aws-main', provider: 'aws', settings: {} },
    { id: 'gcp', provider: 'gcp', settings: [] },
    'aws',
  ]);
  assert.deepEqual(accounts, [{ id: 'aws-main', provider: 'aws', settings: { regions: ['eu-west-1'] } }]);
  assert.deepEqual(problems, [
    `vlm.cloudAccounts[1].id is "home pve": an account id has letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters.`,
    'vlm.cloudAccounts[2].provider is "digitalocean": one of aws, proxmox, azure, gcp, vsphere.',
    'vlm.cloudAccounts[3].id: there is already a cloud account "aws-main".',
    "vlm.cloudAccounts[4].settings is an array: an object of the provider's settings.",
    'vlm.cloudAccounts[5] must be an object with id, provider and settings, not "aws".',
  ]);
  assert.deepEqual(parseCloudAccounts({ id: 'a' }).problems, ['vlm.cloudAccounts must be a list of accounts.']);
});

test('the setting takes hourlyPrices for any provider, checked by the clouds parser with the entry path', async () => {
  const hourlyPrices = { currency: 'USD', bySize: { 't3.micro': '0.0104', '*': '0.02' } };
  const { accounts, problems } = parseCloudAccounts([
    { id: 'aws-main', provider: 'aws', settings: { hourlyPrices } },
    { id: 'az', provider: 'azure', settings: { hourlyPrices: { currency: 'USD', bySize: { Standard_B1s: '-1' } } } },
  ]);
  assert.deepEqual(accounts, [{ id: 'aws-main', provider: 'aws', settings: { hourlyPrices } }]);
  assert.deepEqual(problems, ['vlm.cloudAccounts[1].settings.hourlyPrices.bySize["Standard_B1s"] "-1" is negative: a price is 0 or more.']);
  await checkAccountSettings({ id: 'aws-main', provider: 'aws', settings: { hourlyPrices } });
  const setting = manifest.contributes.configuration.properties['vlm.cloudAccounts'];
  const prices = setting.items.properties.settings.properties.hourlyPrices;
  assert.deepEqual(prices.required, ['currency', 'bySize']);
  assert.equal(prices.properties.bySize.propertyNames.maxLength, 100);
  assert.ok(prices.markdownDescription.includes('does not call pricing APIs'));
});

test('the manifest declares vlm.cloudAccounts with the same id rule, restricted in untrusted folders', () => {
  const setting = manifest.contributes.configuration.properties['vlm.cloudAccounts'];
  assert.equal(setting.items.properties.id.pattern, accountIdPattern.source);
  assert.deepEqual(setting.items.properties.provider.enum, ['aws', 'proxmox', 'azure', 'gcp', 'vsphere']);
  assert.equal(setting.items.properties.settings.type, 'object');
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('vlm.cloudAccounts'));
  assert.ok(manifest.contributes.views.vlm.some((view: { id: string }) => view.id === 'vlm.clouds'));
});

test('instance menus show exactly the actions its contextValue allows', () => {
  const items: Array<{ command: string; when: string; group: string }> = manifest.contributes.menus['view/item/context'];
  const menuOf = (value: string) =>
    items
      .filter((item) => item.when.startsWith('view == vlm.clouds') && !item.group.startsWith('inline'))
      .filter((item) => {
        const regex = /viewItem =~ \/(.*)\/$/.exec(item.when)?.[1];
        return regex !== undefined && new RegExp(regex).test(value);
      })
      .map((item) => item.command.replace('vlm.cloud.', ''));
  assert.deepEqual(menuOf(instanceContextValue(instance())), [
    'stop',
    'reboot',
    'forceStop',
    'openSshTerminal',
    'openConsole',
    'copyAddress',
    'delete',
  ]);
  const stopped = instance({ state: 'stopped', actions: ['start', 'delete'], publicAddress: undefined, consoleUrl: undefined });
  assert.deepEqual(menuOf(instanceContextValue(stopped)), ['start', 'delete']);
  assert.deepEqual(menuOf(instanceContextValue(whileRunning(instance(), 'stop'))), ['openConsole', 'copyAddress']);
  assert.deepEqual(menuOf('cloudAccount:loaded'), ['refreshAccount', 'removeAccount']);
});

test('bulk actions take the selection when the clicked row is in it, and only instance rows', () => {
  const a = instanceRow(instance({ id: 'i-1' }), 0);
  const b = instanceRow(instance({ id: 'i-2' }), 0);
  const message = {
    kind: 'message',
    id: 'm',
    label: '',
    tooltip: '',
    icon: { codicon: 'info' },
    contextValue: 'cloudMessage',
    accountId: 'aws-main',
  };
  assert.deepEqual(selectedInstanceRows(a, [a, b, message]), [a, b]);
  assert.deepEqual(selectedInstanceRows(a, [b]), [a]);
  assert.deepEqual(selectedInstanceRows(message, undefined), []);
});

test('delete asks first, naming each instance and what is lost; start, stop and reboot do not ask', () => {
  const terminate = confirmation('delete', [instance(), instance({ id: 'i-2', name: 'web-2' })]);
  assert.equal(terminate?.message, 'Terminate 2 instances: web-1 (i-0abc), web-2 (i-2)?');
  assert.match(terminate?.detail ?? '', /cannot be undone.*EBS volumes.*public IP address is released/);
  assert.equal(terminate?.button, 'Terminate');
  const pve = confirmation('delete', [instance({ provider: 'proxmox', id: 'pve1/100', name: 'nas', location: 'pve1' })]);
  assert.equal(pve?.message, 'Delete nas (pve1/100)?');
  assert.match(pve?.detail ?? '', /its disks from node pve1/);
  assert.match(confirmation('forceStop', [instance()])?.detail ?? '', /pulling the power cord/);
  for (const action of ['start', 'stop', 'reboot'] as PowerAction[]) assert.equal(confirmation(action, [instance()]), undefined);
});

test('addresses and URLs from the provider are checked before they reach ssh or the browser', () => {
  assert.equal(sshAddressProblem('203.0.113.7'), undefined);
  assert.equal(sshAddressProblem('2001:db8::7'), undefined);
  assert.equal(sshAddressProblem('ec2-203-0-113-7.eu-west-1.compute.amazonaws.com'), undefined);
  assert.match(sshAddressProblem('-oProxyCommand=touch /tmp/x') ?? '', /is not a host name or an IP address/);
  assert.match(sshAddressProblem('host; rm -rf /') ?? '', /is not a host name/);
  assert.match(sshAddressProblem(undefined) ?? '', /no public or private address/);
  assert.equal(sshUserProblem('ec2-user'), undefined);
  assert.match(sshUserProblem('root -oX') ?? '', /Use letters/);
  assert.equal(consoleUrlProblem('https://pve.example.net:8006/#v1:0:=qemu%2F100'), undefined);
  assert.match(consoleUrlProblem('javascript:alert(1)') ?? '', /not a web address \(javascript:\)/);
  assert.match(consoleUrlProblem('file:///etc/passwd') ?? '', /not a web address/);
  assert.match(consoleUrlProblem('not a url') ?? '', /not a valid URL/);
});

test('a CloudError reads with its provider, code and hint; secrets have keys of their own per account', () => {
  const error = new CloudError('permission', 'proxmox', 'Permission check failed (/vms/100, VM.PowerMgmt)', {
    code: 'HTTP 403',
    hint: 'Give the token the PVEVMUser role.',
  });
  assert.deepEqual(problemOf(error), {
    message: 'Proxmox VE: Permission check failed (/vms/100, VM.PowerMgmt) (HTTP 403)',
    hint: 'Give the token the PVEVMUser role.',
  });
  assert.equal(
    failureText(error),
    'proxmox: Permission check failed (/vms/100, VM.PowerMgmt) (HTTP 403). Give the token the PVEVMUser role.',
  );
  assert.equal(secretStorageKey('home-pve', 'tokenSecret'), 'vlm.cloud/home-pve/tokenSecret');
  const regions = settingQuestions.aws.find((question) => question.key === 'regions');
  assert.deepEqual(regions && settingValue(regions, ' eu-west-1, us-east-1 ,'), ['eu-west-1', 'us-east-1']);
  assert.equal(regions && settingValue(regions, '  '), undefined);
});

test('Add Cloud Account asks only for the secrets the chosen login uses', () => {
  const aws = ['accessKeyId', 'secretAccessKey', 'sessionToken'];
  assert.deepEqual(secretsToAsk('aws', { credentials: 'standard' }, aws), []);
  assert.deepEqual(secretsToAsk('aws', { credentials: 'accessKey' }, aws), aws);
  assert.deepEqual(secretsToAsk('proxmox', { tokenId: 'root@pam!vlm' }, ['tokenSecret', 'password']), ['tokenSecret']);
  assert.deepEqual(secretsToAsk('proxmox', { username: 'root@pam' }, ['tokenSecret', 'password']), ['password']);
  assert.deepEqual(secretsToAsk('azure', { subscriptionId: 'x' }, ['clientSecret']), []);
  assert.deepEqual(secretsToAsk('azure', { subscriptionId: 'x', tenantId: 't', clientId: 'c' }, ['clientSecret']), ['clientSecret']);
  const profile = settingQuestions.aws.find((question) => question.key === 'profile');
  assert.equal(profile?.askedWhen?.({ credentials: 'accessKey' }), false);
});
