// A user adds cloud accounts through "Add Cloud Account" (secrets typed into the password box go to
// VS Code's secret storage) and works with their instances in the Clouds view. The clouds are the
// loopback stand-ins of clouds/test/stand-ins, reached through the real providers and SDKs: an EC2
// Query API server that checks SigV4 signatures, over three regions. Nothing leaves loopback: the
// AWS SDK reads credential files of this test only and no instance metadata.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { isolateAwsEnvironment } from '../../../clouds/test/aws/aws-environment';
import { type Ec2StandIn, standInCredentials, startEc2StandIn } from '../../../clouds/test/stand-ins/ec2-server';
import { type ProxmoxStandIn, startProxmoxStandIn } from '../../../clouds/test/stand-ins/proxmox-server';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
let ec2: Ec2StandIn;
let proxmox: ProxmoxStandIn;
let awsFolder: string;
let workspace: string;
let session: VsCodeSession;

before(async () => {
  // The SDK in the extension host reads this environment: files of this test, no metadata service, no real keys.
  awsFolder = isolateAwsEnvironment('vlm-e2e-aws-');
  // Six instances round-robin over three regions, running and stopped in turn; a stop settles after two looks.
  ec2 = await startEc2StandIn({ regions, count: 6, states: ['running', 'stopped'], types: ['t3.micro', 'm5.large'] });
  // HTTPS with a CA made for this run; the accounts name it in their caFile setting.
  proxmox = await startProxmoxStandIn();
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  await ec2?.close();
  await proxmox?.close();
  if (workspace) removeFolder(workspace);
  if (awsFolder) removeFolder(awsFolder);
});

/** The open input box or quick pick, once it asks `prompt` (its message, or its placeholder). */
async function waitForPrompt(page: Page, prompt: string): Promise<Locator> {
  const widget = page.locator('.quick-input-widget');
  const asking = widget
    .locator('.quick-input-message', { hasText: prompt })
    .or(widget.locator(`input.input[placeholder*="${prompt}"]`))
    .first();
  await asking.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
    await session.screenshot('failed-clouds-prompt');
    throw new Error(`No input box asking "${prompt}" appeared.`, { cause: error });
  });
  return widget.locator('input.input');
}

/** Picks a row of the open quick pick as a user does with the keyboard: types its label, which filters the list to it, and Enter. */
async function pick(page: Page, prompt: string, label: string): Promise<void> {
  const input = await waitForPrompt(page, prompt);
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).waitFor();
  await page.keyboard.press('Enter');
}

/** Runs a command from the Command Palette: F1, its title, Enter once its row is the focused one. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).waitFor();
  await page.keyboard.press('Enter');
}

async function startAddCloudAccount(page: Page): Promise<void> {
  await runCommand(page, 'Virtual Labs: Add Cloud Account');
}

/** Types an answer into the input box that asks `prompt`, and presses Enter. */
async function answer(page: Page, prompt: string, text: string): Promise<void> {
  const input = await waitForPrompt(page, prompt);
  await input.fill(text);
  await page.keyboard.press('Enter');
}

/** Add Cloud Account, as a user goes through it, for the EC2 stand-in with a typed-in access key. */
async function addAwsAccount(page: Page): Promise<void> {
  await startAddCloudAccount(page);
  await pick(page, 'Provider', 'AWS EC2');
  await answer(page, 'A name for the account in VLM', 'stand-in-aws');
  await pick(page, 'Credentials', 'Access key typed in');
  await answer(page, 'Regions to list', '');
  await answer(page, 'Another EC2 endpoint', ec2.url);
  await answer(page, 'Access key id', standInCredentials.accessKeyId);
  await answer(page, 'Secret access key', standInCredentials.secretAccessKey);
  await answer(page, 'Session token', '');
}

/** Add Cloud Account for the Proxmox stand-in, with an API token whose secret is typed in. */
async function addProxmoxAccount(page: Page, id: string, token: { id: string; secret: string }): Promise<void> {
  await startAddCloudAccount(page);
  await pick(page, 'Provider', 'Proxmox VE');
  await answer(page, 'A name for the account in VLM', id);
  await answer(page, 'Address of the Proxmox VE API', proxmox.url);
  await answer(page, 'API token id', token.id);
  await answer(page, 'CA certificate file', proxmox.caFile);
  await answer(page, 'Secret of the API token', token.secret);
}

function cloudsView(page: Page): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Clouds' }) });
}

function row(view: Locator, label: string): Locator {
  return view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
}

async function waitForRows(view: Locator, labels: string[], screenshot: string): Promise<void> {
  try {
    for (const label of labels) await row(view, label).waitFor({ timeout: 60_000 });
  } catch (error) {
    await session.screenshot(screenshot);
    throw error;
  }
}

/** Waits until a row's description matches, with a screenshot when it does not in time; returns the description. */
async function waitForDescription(view: Locator, label: string, pattern: RegExp, screenshot: string): Promise<string> {
  const description = row(view, label).locator('.label-description', { hasText: pattern });
  await description.waitFor({ timeout: 60_000 }).catch(async (error: Error) => {
    await session.screenshot(screenshot);
    const now = await row(view, label)
      .locator('.label-description')
      .textContent()
      .catch(() => 'no such row');
    throw new Error(`Row ${label} reads "${now}", not ${pattern}.`, { cause: error });
  });
  return (await description.textContent()) ?? '';
}

test('an EC2 account added with a typed access key lists its instances across regions, though one call is throttled', async () => {
  const { page } = session;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  // Room for the clouds: the Hosts view folded, as a user with no lab at hand would.
  const hostsHeader = page.locator('.pane-header', { hasText: 'Hosts' });
  if ((await hostsHeader.getAttribute('aria-expanded')) === 'true') await hostsHeader.click();
  // The first listing call is refused with RequestLimitExceeded: the SDK retries it, the user sees nothing of it.
  ec2.failNext(1, 'throttle', 'DescribeInstances');
  await addAwsAccount(page);
  const view = cloudsView(page);
  await waitForRows(view, ['stand-in-aws', ...regions, 'vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6'], 'failed-clouds-listing');
  await waitForDescription(view, 'stand-in-aws', /AWS EC2 · 3 of 6 running · 3 of 3 regions/, 'failed-clouds-account');
  assert.match(await waitForDescription(view, 'vm-1', /t3\.micro · 203\.0\.113\.1 · up/, 'failed-clouds-vm-1'), /^t3\.micro/);
  assert.match(await waitForDescription(view, 'vm-2', /^stopped · m5\.large/, 'failed-clouds-vm-2'), /10\.0\.0\.1/);
  const throttled = ec2.calls.filter((call) => call.action === 'DescribeInstances');
  assert.ok(throttled.length >= regions.length + 1, `the throttled DescribeInstances was retried (${throttled.length} calls)`);
  // The access key went to secret storage, not to settings.
  assert.ok(!JSON.stringify(ec2.calls).includes(standInCredentials.secretAccessKey));
  await session.screenshot('20-clouds-aws-regions');
});

test('Stop from the context menu returns at once, and the row turns stopped without a refresh, though the stop call is throttled', async () => {
  const { page } = session;
  const view = cloudsView(page);
  const describeRegionsBefore = ec2.calls.filter((call) => call.action === 'DescribeRegions').length;
  ec2.failNext(1, 'throttle', 'StopInstances');
  await row(view, 'vm-1').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Stop Instance', exact: true }).hover();
  await page.keyboard.press('Enter');
  await waitForDescription(view, 'vm-1', /^stopping/, 'failed-clouds-stopping');
  await session.screenshot('21-clouds-aws-stopping');
  await waitForDescription(view, 'vm-1', /^stopped · t3\.micro/, 'failed-clouds-stopped');
  await waitForDescription(view, 'stand-in-aws', /2 of 6 running/, 'failed-clouds-count');
  await session.screenshot('22-clouds-aws-stopped');
  const stops = ec2.calls.filter((call) => call.action === 'StopInstances');
  assert.equal(stops.length, 2, 'one throttled StopInstances, then its retry');
  assert.equal(ec2.instances.find((instance) => instance.tags.Name === 'vm-1')?.state, 'stopped');
  // No listing again: the row moved because the operation was followed, not because the view was refreshed.
  assert.equal(ec2.calls.filter((call) => call.action === 'DescribeRegions').length, describeRegionsBefore);
});

test('a Proxmox cluster over HTTPS with its own CA lists its nodes and VMs, a stop is followed through its task, and the empty list of a privilege-separated token is explained', async () => {
  const { page } = session;
  const view = cloudsView(page);
  await addProxmoxAccount(page, 'home-pve', proxmox.token);
  await waitForRows(view, ['home-pve', 'pve1', 'pve2', 'web-1', 'db-1', 'build'], 'failed-clouds-proxmox');
  await waitForDescription(view, 'db-1', /^stopped/, 'failed-clouds-proxmox-db');
  await addProxmoxAccount(page, 'separated-pve', proxmox.separatedToken);
  await waitForRows(view, ['separated-pve'], 'failed-clouds-separated');
  // The provider's permission error with its code, and its hint on a row of its own.
  await view.locator('.monaco-list-row', { hasText: /^Proxmox VE: .*\(VM\.Audit\)/ }).waitFor({ timeout: 60_000 });
  await view.locator('.monaco-list-row', { hasText: /The token is privilege-separated/ }).waitFor();
  await waitForDescription(view, 'separated-pve', /Proxmox VE · failed/, 'failed-clouds-separated-account');
  await session.screenshot('23-clouds-proxmox');

  await row(view, 'build').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Stop Instance', exact: true }).hover();
  await page.keyboard.press('Enter');
  await waitForDescription(view, 'build', /^stopped/, 'failed-clouds-proxmox-stop');
  await session.screenshot('24-clouds-proxmox-stopped');
  const tasks = proxmox.requests.filter((request) => /\/tasks\/.*\/status$/.test(request.path));
  assert.ok(tasks.length > 0, 'the stop was followed through its UPID task');
  assert.equal(
    proxmox.requests.filter((request) => request.method === 'POST' && /\/status\/(stop|shutdown)$/.test(request.path)).length,
    1,
  );
});

test('the filter keeps the running instances of AWS, and a filter word it cannot read is refused as it is typed', async () => {
  const { page } = session;
  const view = cloudsView(page);
  await runCommand(page, 'Virtual Labs: Filter Cloud Instances');
  const input = await waitForPrompt(page, 'Terms that all must match');
  await input.fill('state:runing');
  await page.locator('.quick-input-widget', { hasText: /names no state; states: pending, running/ }).waitFor();
  await session.screenshot('25-clouds-filter-refused');
  await input.fill('state:running provider:aws');
  await page.keyboard.press('Enter');
  await row(view, 'vm-1').waitFor({ state: 'detached' });
  await waitForRows(view, ['vm-3', 'vm-5'], 'failed-clouds-filter');
  assert.equal(await row(view, 'web-1').count(), 0, 'Proxmox VMs are filtered out');
  await page.locator('.pane-body .message', { hasText: 'Showing instances matching "state:running provider:aws"' }).waitFor();
  await session.screenshot('26-clouds-filtered');
  await runCommand(page, 'Virtual Labs: Clear Cloud Filter');
  await waitForRows(view, ['vm-1', 'web-1'], 'failed-clouds-unfiltered');
});
