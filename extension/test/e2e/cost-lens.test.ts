// The cost lens as a user meets it in tiny-pair.lab.yaml: "Set a cost model" above the lab, the
// four questions (a bad price refused as typed), then a figure over the lab and each VM that follows
// an edit, and the breakdown in a Markdown preview on click; dark and light.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Locator } from 'playwright-core';
import { VsCodeSession, exampleWorkspace, removeFolder } from './vscode-session';

let session: VsCodeSession;
let workspace: string;

before(async () => {
  workspace = exampleWorkspace();
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  removeFolder(workspace);
});

async function answer(title: string, text: string): Promise<void> {
  const { page } = session;
  await page.locator('.quick-input-widget', { hasText: title }).waitFor();
  await page.locator('.quick-input-widget input[type="text"]').fill(text);
  await page.keyboard.press('Enter');
}

async function lensTitles(editor: Locator): Promise<string[]> {
  return (await editor.locator('.codelens-decoration a').allTextContents()).map((title) => title.trim());
}

/** The Markdown preview's frame once it shows `text`. */
async function previewFrame(text: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of session.page.frames()) {
      if (frame.isDetached()) continue;
      const found = await frame
        .locator('body', { hasText: text })
        .count()
        .catch(() => 0);
      if (found > 0) return frame;
    }
    if (Date.now() > deadline) {
      await session.screenshot('failed-cost-breakdown');
      throw new Error(`No preview showing "${text}" appeared.`);
    }
    await session.page.waitForTimeout(250);
  }
}

test('set a cost model from the lens, see each VM priced, edit, and open the breakdown', async () => {
  const { page } = session;
  const editor = await session.openFile('tiny-pair.lab.yaml');
  const setModel = editor.locator('.codelens-decoration a', { hasText: 'Set a cost model' });
  await setModel.waitFor({ timeout: 30_000 });
  await setModel.click();

  await answer('Set Cost Model (1/4)', 'eur');
  // A price in exponent notation is refused as it is typed, with what is allowed.
  await page.locator('.quick-input-widget', { hasText: 'Set Cost Model (2/4)' }).waitFor();
  await page.locator('.quick-input-widget input[type="text"]').fill('1e3');
  await page.locator('.quick-input-message', { hasText: 'is not a price: write digits' }).waitFor();
  await session.screenshot('40-cost-model-bad-price-dark');
  await answer('Set Cost Model (2/4)', '0.0125');
  await answer('Set Cost Model (3/4)', '0.002');
  await answer('Set Cost Model (4/4)', '0.05');

  // alpha and beta: 1 vCPU × 0.0125 × 730 h + 0.125 GiB × 0.002 × 730 h + 1 GiB × 0.05 = 9.3575.
  await editor.locator('.codelens-decoration a', { hasText: '≈ €18.72 / month' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await lensTitles(editor), [
    'Deploy',
    'Plan',
    'Destroy',
    'Topology',
    '≈ €18.72 / month',
    '≈ €9.36 / month',
    '≈ €9.36 / month',
  ]);
  await session.screenshot('41-cost-lens-dark');

  // alpha to 4 vCPUs, typed: 36.5 + 0.1825 + 0.05 = 36.7325; the lab 46.09.
  const lines = readFileSync(join(workspace, 'tiny-pair.lab.yaml'), 'utf8').split('\n');
  await session.goToLineEnd(lines.indexOf('    vcpu: 1') + 1);
  await page.keyboard.press('Backspace');
  await page.keyboard.type('4');
  await editor.locator('.codelens-decoration a', { hasText: '≈ €46.09 / month' }).waitFor({ timeout: 30_000 });
  assert.deepEqual((await lensTitles(editor)).slice(4), ['≈ €46.09 / month', '≈ €36.73 / month', '≈ €9.36 / month']);

  // While the file is broken, no figure.
  await page.keyboard.type(': x');
  // A lens with nothing to run is plain text, not a link.
  await editor.locator('.codelens-decoration', { hasText: 'Cost: not estimated' }).waitFor({ timeout: 30_000 });
  await session.screenshot('41-cost-lens-broken-file-dark');
  const shown = await editor.locator('.codelens-decoration').allTextContents();
  assert.ok(
    shown.every((title) => !title.includes('€')),
    `no figure while the file is broken: ${shown.join(' | ')}`,
  );
  for (let count = 0; count < ': x'.length; count += 1) await page.keyboard.press('Backspace');
  await editor.locator('.codelens-decoration a', { hasText: '≈ €36.73 / month' }).click({ timeout: 30_000 });

  const preview = await previewFrame('Estimated monthly cost of lab tiny-pair');
  const table = (await preview.locator('table').textContent()) ?? '';
  assert.match(table, /alpha\s*4 × 730 h = €36\.50\s*0\.125 GiB × 730 h = €0\.18\s*1 GiB = €0\.05\s*€36\.73/);
  assert.match(table, /Lab\s*€46\.09/);
  await session.screenshot('42-cost-breakdown-dark');
  await page.mouse.move(5, 400);
  await session.setTheme('light');
  await previewFrame('Estimated monthly cost of lab tiny-pair');
  await session.screenshot('42-cost-breakdown-light');
});
