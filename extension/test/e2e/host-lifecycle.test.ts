// A user with libvirt on this machine: the extension starts its own host service (on
// qemu:///system, vlm-tiny guests), the user deploys a two-VM lab from the code lens, accepts
// the plan, watches both VMs turn running without refreshing, stops one from its context menu,
// and destroys the lab, after which libvirt has nothing of it left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { startLibvirtTestEnvironment, type LibvirtTestEnvironment } from '../../../host-service/local-libvirt/libvirt-environment';
import { removePoolOf } from '../../../host-service/test/support/volume-pools';
import { VsCodeSession, exampleWorkspace, removeFolder, repositoryRoot, stopLocalHost } from './vscode-session';

// A name of this run: other test runs share root's libvirtd.
const labName = `e2e-pair-${process.pid}`;
const labFile = `${labName}.lab.yaml`;
let environment: LibvirtTestEnvironment | undefined;
let session: VsCodeSession | undefined;
let workspace = '';
let dataFolder = '';

function libvirtDomains(): string[] {
  const listed = spawnSync('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name'], { encoding: 'utf8' });
  assert.equal(listed.status, 0, `virsh list failed: ${listed.stderr}`);
  return listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(labName));
}

function libvirtNetworks(): string[] {
  const listed = spawnSync('virsh', ['-c', 'qemu:///system', 'net-list', '--all', '--name'], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(labName));
}

before(async () => {
  assert.equal(process.getuid?.(), 0, 'this test drives qemu:///system and needs root');
  const built = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', 'build.mjs'), 'host-service/'], { stdio: 'inherit' });
  assert.equal(built.status, 0, 'building vlm-host failed');
  environment = await startLibvirtTestEnvironment({ realDaemons: true });
  // code-server, and so the extension, inherit these: the extension starts vlm-host itself.
  process.env.VLM_BUS_ADDRESS = environment.busAddress;
  process.env.VLM_HOST_SERVER = join(repositoryRoot, 'host-service', 'dist', 'vlm-host.js');
  // The service's state and disks of this run only, where libvirt's QEMU user can reach them.
  dataFolder = mkdtempSync(join(tmpdir(), 'vlm-e2e-host-'));
  chmodSync(dataFolder, 0o755);
  process.env.VLM_HOST_DATA_DIR = dataFolder;
  workspace = exampleWorkspace();
  writeFileSync(
    join(workspace, labFile),
    [
      `name: ${labName}`,
      'description: Two vlm-tiny guests for the end-to-end test',
      'networks:',
      '  - name: lan',
      '    cidr: 10.98.0.0/24',
      'vms:',
      '  - { name: alpha, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [lan] }',
      '  - { name: beta, vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: vlm-tiny, networks: [lan], depends_on: [alpha] }',
      '',
    ].join('\n'),
  );
  session = await VsCodeSession.open({ workspace, theme: 'dark' });
});

after(async () => {
  await session?.close();
  if (dataFolder) stopLocalHost(dataFolder);
  // Whatever a failed step left behind goes, so the shared libvirtd stays clean.
  for (const domain of libvirtDomains()) {
    spawnSync('virsh', ['-c', 'qemu:///system', 'destroy', domain]);
    spawnSync('virsh', ['-c', 'qemu:///system', 'undefine', domain, '--remove-all-storage']);
  }
  for (const network of libvirtNetworks()) {
    spawnSync('virsh', ['-c', 'qemu:///system', 'net-destroy', network]);
    spawnSync('virsh', ['-c', 'qemu:///system', 'net-undefine', network]);
  }
  if (dataFolder) removePoolOf(dataFolder);
  await environment?.stop();
  if (workspace) removeFolder(workspace);
  if (dataFolder) removeFolder(dataFolder);
});

function treeRow(label: string): Locator {
  const page = (session as VsCodeSession).page;
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Hosts' }) });
  return view.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
}

async function waitForDescription(row: Locator, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text =
      (await row
        .locator('.label-description')
        .textContent()
        .catch(() => null)) ?? '';
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`row description stayed "${text}", expected ${pattern}`);
    await row.page().waitForTimeout(250);
  }
}

test('deploy from the code lens, watch the VMs run, stop one, destroy the lab', async () => {
  try {
    await deployStopDestroy();
  } catch (error) {
    // What the user saw when it went wrong, for the person reading the failure.
    await session?.screenshot('19-host-lifecycle-failure').catch(() => undefined);
    throw error;
  }
});

async function deployStopDestroy(): Promise<void> {
  const { page } = session as VsCodeSession;
  await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
  const local = treeRow('local');
  await waitForDescription(local, /^this machine$/, 90_000);
  await (session as VsCodeSession).screenshot('10-local-host-connected');

  const editor = await (session as VsCodeSession).openFile(labFile);
  const deploy = editor.locator('.codelens-decoration a', { hasText: 'Deploy' });
  await deploy.waitFor({ timeout: 60_000 });
  await deploy.click();

  // The plan shows as a document and in the question; both name the two domains to create.
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 60_000 });
  const question = (await dialog.textContent()) ?? '';
  assert.match(question, new RegExp(`Deploy lab ${labName} to host local\\?`));
  assert.match(question, new RegExp(`\\+ domain ${labName}\\.alpha`));
  assert.match(question, new RegExp(`\\+ domain ${labName}\\.beta`));
  await (session as VsCodeSession).screenshot('11-deploy-plan');
  await dialog.getByRole('button', { name: 'Deploy' }).click();

  // Both VMs turn running in the tree on their own: no refresh is clicked.
  await treeRow(labName).waitFor({ timeout: 120_000 });
  await waitForDescription(treeRow('alpha'), /^running/, 240_000);
  await waitForDescription(treeRow('beta'), /^running/, 240_000);
  await page.locator('.notification-toast', { hasText: `Lab ${labName} is deployed on local.` }).waitFor({ timeout: 240_000 });
  await (session as VsCodeSession).screenshot('12-both-vms-running');

  // Stop alpha from its context menu.
  await treeRow('alpha').click({ button: 'right' });
  const stopItem = page.getByRole('menuitem', { name: 'Stop VM', exact: true });
  await stopItem.waitFor();
  await stopItem.hover();
  await stopItem.click();
  await stopItem.waitFor({ state: 'detached' });
  await waitForDescription(treeRow('alpha'), /^stopped/, 120_000);
  assert.match(await waitForDescription(treeRow('beta'), /^running/, 1000), /^running/);
  await (session as VsCodeSession).screenshot('13-alpha-stopped');

  // Destroy from the code lens; the question names what goes.
  await (session as VsCodeSession).openFile(labFile);
  await editor.locator('.codelens-decoration a', { hasText: 'Destroy' }).click();
  await dialog.waitFor({ timeout: 60_000 });
  const destroyQuestion = (await dialog.textContent()) ?? '';
  assert.match(destroyQuestion, new RegExp(`VM alpha \\(libvirt domain ${labName}\\.alpha\\)`));
  await (session as VsCodeSession).screenshot('14-destroy-question');
  await dialog.getByRole('button', { name: 'Destroy' }).click();
  await page.locator('.notification-toast', { hasText: `Lab ${labName} is destroyed on local.` }).waitFor({ timeout: 180_000 });
  // Its file is still in the workspace: the row stays, as a lab file not deployed, with no VM under it.
  await waitForDescription(treeRow(labName), /^not deployed/, 30_000);
  await treeRow('alpha').waitFor({ state: 'detached', timeout: 30_000 });
  await (session as VsCodeSession).screenshot('15-lab-destroyed');
  assert.deepEqual(libvirtDomains(), [], 'virsh still lists domains of the lab');
  assert.deepEqual(libvirtNetworks(), [], 'virsh still lists networks of the lab');
}
