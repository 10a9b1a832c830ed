// The GitHub sync as a user meets it, against the GitHub stand-in on loopback: Choose GitHub
// Repositories to Sync (the sign-in allowed, the repository ticked, a new roadmap for it), then the
// Tasks panel's Sync button pressed by keyboard brings the recorded issues onto the board and their
// milestone onto the roadmap; a second sync from the Command Palette costs only 304s. The sign-in is
// the test-authentication extension's fixed session, not GitHub's OAuth. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { GithubStandIn } from '../../../webviews/test/github-sync/github-stand-in';
import fixedSession from './test-authentication/session.json';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';
import { panelFrame, reportedViolations, watchCspConsole } from './webview-frames';

const repository = 'vlm-test/lab';
const standIn = new GithubStandIn(fixedSession.accessToken);
let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  const origin = await standIn.start();
  standIn.addMilestone(repository, { title: 'Networking', due_on: '2026-03-01T08:00:00Z', state: 'open' });
  const networking = standIn.repositories.get(repository)?.milestones[0];
  standIn.addIssue(repository, { title: 'Bridge the lab', milestone: networking, labels: [] });
  standIn.addIssue(repository, { title: 'Retire the old switch', state: 'closed', labels: [] });
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({
    workspace,
    theme: 'dark',
    testExtensions: [join(__dirname, 'test-authentication')],
    machineSettings: { 'vlm.github.authenticationProvider': fixedSession.providerId, 'vlm.github.apiUrl': origin },
  });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
  await standIn.close();
  assert.deepEqual(standIn.failures, [], "every answer matched GitHub's OpenAPI description");
});

const column = (frame: Frame, status: string) => frame.locator(`.column[data-status="${status}"]`);

async function notification(text: string): Promise<void> {
  await session.page.locator('.notification-toast', { hasText: text }).first().waitFor({ timeout: 60_000 });
}

/** Choose GitHub Repositories to Sync: allow the sign-in, tick the repository, give it a new roadmap. */
async function chooseRepository(): Promise<void> {
  const { page } = session;
  await session.runCommand('Virtual Labs: Choose GitHub Repositories to Sync');
  // VS Code asks once whether the extension may sign in with the provider.
  await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Allow' }).click({ timeout: 60_000 });
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: repository }).first();
  await row.waitFor({ timeout: 60_000 });
  await row.locator('.label-name').click();
  await page.locator('.quick-input-widget .quick-input-count', { hasText: '1' }).waitFor();
  await page.keyboard.press('Enter');
  await session.pickRow(`A new roadmap "${repository}"`);
  await notification(`Tasks sync with ${repository}.`);
}

test('choose a repository, sync from the Tasks panel by keyboard, see the issues on the board, sync again for 304s', async () => {
  const { page } = session;
  await session.runCommand('Virtual Labs: Open Tasks');
  let frame = await panelFrame(session, '#sync', 'Tasks');
  await chooseRepository().catch(async (error: unknown) => {
    await session.screenshot('failed-github-choose');
    throw error;
  });

  frame = await panelFrame(session, '#sync', 'Tasks');
  await frame.locator('#sync').focus();
  await page.keyboard.press('Enter');
  await notification(`GitHub sync: ${repository}: 2 task(s) added`);
  await column(frame, 'todo').locator('.card', { hasText: 'Bridge the lab' }).waitFor({ timeout: 60_000 });
  await column(frame, 'done').locator('.card', { hasText: 'Retire the old switch' }).waitFor();
  await frame.locator('#status', { hasText: 'Sync with GitHub ended' }).waitFor();
  await column(frame, 'todo').locator('.card', { hasText: 'Bridge the lab' }).locator('.link', { hasText: 'Networking' }).waitFor();
  await session.screenshot('43-tasks-github-sync-dark');
  await frame.locator('#show-roadmaps').click();
  await frame.locator('.milestone', { hasText: 'Networking' }).waitFor();
  await frame.locator('#show-board').click();

  // Nothing changed on either side: the second sync asks conditionally and GitHub answers 304.
  await session.runCommand('Notifications: Clear All Notifications');
  const before = standIn.requests.length;
  await session.runCommand('Virtual Labs: Sync Tasks with GitHub');
  await notification(`GitHub sync: ${repository}: no change.`);
  assert.deepEqual(
    standIn.requests.slice(before).map((request) => request.status),
    [304, 304, 304],
  );

  const stored = readFileSync(
    join(session.profile, 'user-data', 'User', 'globalStorage', 'vlm.virtual-lab-manager', 'dashboard.json'),
    'utf8',
  );
  assert.ok(stored.includes('Bridge the lab'), 'the synced tasks are saved');
  assert.ok(!stored.includes(fixedSession.accessToken), 'the token never reaches the store');
  violations.push(...(await reportedViolations(frame)));
  assert.deepEqual(violations, [], 'no CSP violation');
});
