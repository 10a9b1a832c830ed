// `npm start` as a user runs it, stopped with Ctrl-C (SIGINT to its process group, as a terminal
// sends it) at three moments: while it is still starting, once it has printed its address with
// the workbench open in a browser, and with a lab's VM running on qemu:///system. Each time,
// nothing it started may be left: every process carries a mark in its environment, inherited by
// all it starts (the private bus, libvirt-dbus, code-server, the extension host, the extension's
// vlm-host), and none with the mark may remain. The lab's VMs are powered off, not removed:
// Ctrl-C keeps the lab deployed for the next npm start (README, "The two commands").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ImagesPullRequest, LabsApplyRequest } from '@vlm/schemas/src/host-protocol';
import { connectClient } from '../../../host-service/test/api/host-process';
import { domainName } from '../../../host-service/src/deploy/lab-resources';
import { waitUntil } from '../../../host-service/local-libvirt/wait-until';
import { removePoolOf } from '../../../host-service/test/support/volume-pools';
import { leaseLibvirtDaemons, type LibvirtDaemonsLease } from '../../../host-service/local-libvirt/libvirt-daemons';
import { chromiumArguments, chromiumPath, ensureTools, repositoryRoot } from './vscode-session';
import { exampleLabsFolder } from '../../../scripts/example-labs.mjs';

const markName = 'VLM_NPM_START_TEST_MARK';
/** libvirtd and virtlogd are shared by every run on the machine: the lease in host-service/local-libvirt/libvirt-daemons.ts stops them when its last holder is done. */
const sharedDaemons = new Set(['libvirtd', 'virtlogd']);

interface MarkedProcess {
  pid: number;
  command: string;
}

/** Every process whose environment holds `mark`, by /proc, whoever its parent is now. */
function markedProcesses(mark: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`${markName}=${mark}`)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').filter(Boolean);
      if (sharedDaemons.has(readFileSync(`/proc/${entry}/comm`, 'latin1').trim())) continue;
      found.push({ pid: Number(entry), command: command.join(' ') });
    } catch {
      // It ended while being read.
    }
  }
  return found;
}

interface NpmStart {
  child: ChildProcess;
  mark: string;
  output(): string;
  /** Ctrl-C: SIGINT to the whole process group, npm, its shell, node and their children. */
  interrupt(): void;
  exited: Promise<number | null>;
}

function startNpm(dataFolder: string): NpmStart {
  const mark = randomBytes(8).toString('hex');
  // A process group of its own, like a terminal's foreground job.
  const child = spawn('npm', ['start'], {
    cwd: repositoryRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [markName]: mark, VLM_HOST_DATA_DIR: dataFolder },
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const interrupt = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
    } catch {
      // The whole group has ended already.
    }
  };
  return { child, mark, output: () => output, interrupt, exited };
}

/** Waits for `probe` while npm start runs; fails at once, with its output, if it exits first. */
async function whileRunning<T>(run: NpmStart, what: string, probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const result = await waitUntil(what, () => (run.child.exitCode !== null ? { exited: run.child.exitCode } : probe()), timeoutMs, 250);
  if (typeof result === 'object' && result !== null && 'exited' in result)
    assert.fail(`npm start exited (${String(result.exited)}) before ${what}:\n${run.output().slice(-3000)}`);
  return result as T;
}

/** Ctrl-C, then: npm exits and, within a deadline, nothing with the run's mark is left. */
async function interruptAndCheck(run: NpmStart): Promise<void> {
  run.interrupt();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([run.exited, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 120_000)))]);
  clearTimeout(timer);
  assert.notEqual(code, 'hung', `npm start did not exit within 120 s of Ctrl-C:\n${run.output().slice(-3000)}`);
  try {
    await waitUntil('every process npm start started to end', () => markedProcesses(run.mark).length === 0, 30_000, 250);
  } catch {
    assert.fail(
      `left running after Ctrl-C:\n${markedProcesses(run.mark)
        .map((item) => `${item.pid} ${item.command}`)
        .join('\n')}\nnpm start said:\n${run.output().slice(-3000)}`,
    );
  }
}

/** Anything a failed test left, ended by the run's mark. */
function killMarked(mark: string): void {
  for (const item of markedProcesses(mark)) {
    try {
      process.kill(item.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const addressLine = /Virtual Lab Manager is running in VS Code at (http:\/\/127\.0\.0\.1:\d+\/)/;

const runs: NpmStart[] = [];
const dataFolders: string[] = [];
let browser: Browser | undefined;
const labName = `ctrlc-${randomBytes(3).toString('hex')}`;
const domain = domainName(labName, 'solo');
const virsh = (...words: string[]) => spawnSync('virsh', ['-q', '-c', 'qemu:///system', ...words], { encoding: 'utf8' });
let daemons: LibvirtDaemonsLease | undefined;

/** A data folder of this test, not npm start's own one; libvirt's QEMU user must reach it. */
function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-npm-start-test-'));
  chmodSync(folder, 0o755);
  dataFolders.push(folder);
  return folder;
}

/** Starts npm start with its own data folder, to be cleaned up after. */
function startRun(folder = dataFolder()): NpmStart {
  const run = startNpm(folder);
  runs.push(run);
  return run;
}

/** Opens the address npm start printed in a browser, once it has, and waits for the workbench. */
async function openWorkbench(run: NpmStart): Promise<Page> {
  const url = await whileRunning(run, 'it printed its address', () => addressLine.exec(run.output())?.[1], 600_000);
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArguments });
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 120_000 });
  return page;
}

async function closeWorkbench(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('npm start drives qemu:///system only as root; run this test as root.');
  ensureTools();
  // Held for the whole test, so libvirtd is still there to clean up after the last npm start.
  daemons = await leaseLibvirtDaemons();
});

after(async () => {
  await closeWorkbench();
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.interrupt();
    killMarked(run.mark);
  }
  // The labs npm start keeps for its next run are this test's to remove: every domain with a disk in its data folders.
  for (const name of virsh('list', '--all', '--name')
    .stdout.split('\n')
    .map((line) => line.trim())
    .filter(Boolean)) {
    const xml = virsh('dumpxml', name).stdout;
    if (!dataFolders.some((folder) => xml.includes(`${folder}/`))) continue;
    virsh('destroy', name);
    virsh('undefine', name, '--remove-all-storage');
  }
  for (const folder of dataFolders) {
    removePoolOf(folder);
    rmSync(folder, { recursive: true, force: true });
    // npm start's copy of the example labs lives beside its data folder.
    rmSync(exampleLabsFolder(folder), { recursive: true, force: true });
  }
  await daemons?.release();
});

describe('Ctrl-C of npm start leaves nothing it started', { timeout: 1_800_000 }, () => {
  test('early: while it is still starting (the private bus is up, VS Code is not yet)', async () => {
    const run = startRun();
    await whileRunning(
      run,
      'its private D-Bus bus to start',
      () => markedProcesses(run.mark).some((item) => /dbus-daemon/.test(item.command)),
      600_000,
    );
    assert.doesNotMatch(run.output(), addressLine, 'the interrupt comes before the address');
    await interruptAndCheck(run);
  });

  test('middle: after it printed its address, with the workbench open in a browser', async () => {
    const run = startRun();
    await openWorkbench(run);
    await interruptAndCheck(run);
    await closeWorkbench();
  });

  test('late: a lab VM running on qemu:///system and the workbench open; the VM is powered off', async () => {
    const folder = dataFolder();
    const run = startRun(folder);
    const page = await openWorkbench(run);
    // Hosts connect when the Virtual Labs view shows them: then the extension starts vlm-host for
    // the host `local`, its socket on its command line.
    await page.getByRole('tab', { name: /^Virtual Labs/ }).click();
    const socketPath = await whileRunning(
      run,
      'the extension started its vlm-host',
      () => {
        const host = markedProcesses(run.mark).find((item) => item.command.includes('vlm-host.js') && item.command.includes(folder));
        const socket = host ? /--socket (\S+)/.exec(host.command)?.[1] : undefined;
        return socket && existsSync(socket) ? socket : undefined;
      },
      120_000,
    );
    const client = await connectClient(socketPath);
    try {
      await client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
      // Not awaited: Ctrl-C may well come while the apply still waits for the guest's SSH.
      client
        .sendRequest(LabsApplyRequest.type, {
          lab: { name: labName, vms: [{ name: 'solo', vcpu: 1, ram_mb: 128, disk_gb: 1, os_image: 'vlm-tiny' }] },
        })
        .catch(() => undefined);
      await waitUntil('the lab VM to run', () => virsh('domstate', domain).stdout.trim() === 'running', 300_000, 500);
    } finally {
      client.close();
    }
    await interruptAndCheck(run);
    assert.match(run.output(), new RegExp(`Powered off VM ${domain}; its lab stays deployed for the next npm start\\.`));
    assert.equal(virsh('domstate', domain).stdout.trim(), 'shut off');
    await closeWorkbench();
  });
});
