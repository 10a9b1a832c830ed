// The Tasks panel as a user meets it: opened from the Hosts view's overflow menu, tasks added by
// keyboard, one moved by keyboard (Alt+→, Alt+↑, announced) and one by drag and drop, each seen in
// its column; a title like markup shown as text; a roadmap with a milestone, renamed, and its
// progress bar; dark and light; the window reloaded and the panel restored with its tasks and
// view. Any CSP violation fails it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';
import { panelFrame, reportedViolations, openFromHostsMenu, watchCspConsole } from './webview-frames';

let session: VsCodeSession;
let workspace: string;
const violations: string[] = [];

before(async () => {
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
  watchCspConsole(session, violations);
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

const tasksFrame = (timeoutMs?: number) => panelFrame(session, '#task-title', 'Tasks', timeoutMs);
const column = (frame: Frame, status: string) => frame.locator(`.column[data-status="${status}"]`);

async function addTask(frame: Frame, title: string, labels: string): Promise<void> {
  await frame.locator('#task-title input').fill(title);
  await frame.locator('#task-labels input').fill(labels);
  await frame.locator('#task-title input').press('Enter');
  await column(frame, 'todo').locator('.card', { hasText: title }).waitFor();
}

/** Opens a vscode-single-select and clicks an option of its list (in its shadow root). */
async function pick(frame: Frame, select: string, option: string): Promise<void> {
  await frame.locator(select).click();
  await frame.locator(select).getByRole('option', { name: option, exact: true }).click();
}

async function titlesIn(frame: Frame, status: string): Promise<string[]> {
  return column(frame, status).locator('.card .card-title').allTextContents();
}

/** A roadmap, a milestone renamed, and the runbook linked to it: 1 of 1 done. */
async function linkRunbookToMilestone(frame: Frame): Promise<void> {
  const { page } = session;
  await frame.locator('#show-roadmaps').click();
  await frame.locator('#roadmap-name input').fill('Spring');
  await frame.locator('#roadmap-name input').press('Enter');
  await frame.locator('#milestone-title input').fill('Beta');
  await frame.locator('#milestone-start input').fill('2026-03-01');
  await frame.locator('#milestone-due input').fill('2026-03-31');
  await frame.locator('#milestone-add').click();
  await frame.locator('.milestone', { hasText: 'no tasks yet' }).waitFor();
  await frame.getByRole('button', { name: 'Edit the milestone Beta' }).click();
  await frame.locator('#milestone-title input').fill('Beta 1');
  await frame.locator('#milestone-title input').press('Enter');
  await frame.locator('.milestone', { hasText: 'Beta 1' }).waitFor();
  await frame.locator('#show-board').click();
  const runbook = column(frame, 'done').locator('.card', { hasText: 'Write the runbook' });
  await runbook.focus();
  await page.keyboard.press('Enter');
  await pick(frame, '#task-milestone', 'Spring › Beta 1');
  await frame.locator('#task-title input').press('Enter');
  await runbook.locator('.link', { hasText: '◆ Beta 1' }).waitFor();
  await frame.locator('#show-roadmaps').click();
  await frame.locator('.milestone [role="progressbar"][aria-valuenow="100"]').waitFor();
  await frame.locator('.milestone', { hasText: '1 of 1 task done (100%)' }).waitFor();
  await session.screenshot('41-tasks-roadmap-dark');
}

test('add tasks, move them by keyboard and by drag and drop, see a milestone progress, reload and find them restored', async () => {
  const { page } = session;
  let frame = await openFromHostsMenu(session, 'Open Tasks', tasksFrame).catch(async (error: unknown) => {
    await session.screenshot('failed-open-tasks');
    throw error;
  });

  await addTask(frame, 'Write the runbook', 'docs');
  await addTask(frame, 'Patch the web VM', 'ops');
  await addTask(frame, 'Rotate keys', 'ops');
  assert.deepEqual(await titlesIn(frame, 'todo'), ['Write the runbook✕', 'Patch the web VM✕', 'Rotate keys✕']);

  // Keyboard: Alt+→ to Doing, then Alt+↑ inside To do; each move is announced.
  await column(frame, 'todo').locator('.card', { hasText: 'Patch the web VM' }).focus();
  await page.keyboard.press('Alt+ArrowRight');
  await column(frame, 'doing').locator('.card', { hasText: 'Patch the web VM' }).waitFor();
  await frame.locator('#status', { hasText: 'Moved Patch the web VM to Doing, 1 of 1.' }).waitFor();
  await column(frame, 'todo').locator('.card', { hasText: 'Rotate keys' }).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await frame.locator('#status', { hasText: 'Moved Rotate keys to To do, 1 of 2.' }).waitFor();
  assert.deepEqual(await titlesIn(frame, 'todo'), ['Rotate keys✕', 'Write the runbook✕']);

  // Drag and drop: the runbook onto Done.
  await column(frame, 'todo').locator('.card', { hasText: 'Write the runbook' }).dragTo(column(frame, 'done'));
  await column(frame, 'done').locator('.card', { hasText: 'Write the runbook' }).waitFor();
  assert.deepEqual(await titlesIn(frame, 'todo'), ['Rotate keys✕']);

  // The label filter shows only the ops tasks.
  await pick(frame, '#label-filter', 'ops');
  await column(frame, 'done').locator('.card').first().waitFor({ state: 'detached' });
  await pick(frame, '#label-filter', 'All labels');
  // A title written like markup is shown as text; Delete on the focused card removes it.
  const markup = '<img src=x onerror=alert(1)>';
  await addTask(frame, markup, '');
  assert.equal(await column(frame, 'todo').locator('.card img').count(), 0);
  await column(frame, 'todo').locator('.card', { hasText: markup }).focus();
  await page.keyboard.press('Delete');
  await column(frame, 'todo').locator('.card', { hasText: markup }).waitFor({ state: 'detached' });
  await session.screenshot('40-tasks-board-dark');

  await linkRunbookToMilestone(frame);

  await page.mouse.move(5, 400);
  await session.setTheme('light');
  frame = await tasksFrame();
  await frame.locator('.milestone', { hasText: 'Beta' }).waitFor();
  await session.screenshot('41-tasks-roadmap-light');
  await frame.locator('#show-board').click();
  await session.screenshot('40-tasks-board-light');
  violations.push(...(await reportedViolations(frame)));

  await session.reloadWindow();
  frame = await tasksFrame(90_000);
  await column(frame, 'doing').locator('.card', { hasText: 'Patch the web VM' }).waitFor();
  assert.deepEqual(await titlesIn(frame, 'todo'), ['Rotate keys✕']);
  assert.deepEqual(await titlesIn(frame, 'done'), ['Write the runbook✕']);
  await session.screenshot('42-tasks-restored');
  violations.push(...(await reportedViolations(frame)));

  assert.deepEqual(violations, [], 'no CSP violation');
});
