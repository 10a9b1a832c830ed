// `vlm console` for real: one vlm-tiny guest (direct kernel boot, TCG, a few seconds) deployed
// with `vlm lab up` to vlm-host on qemu:///system, its serial console driven through the CLI.
// The libvirt test driver has no consoles, so this is the only way to see one work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImagesPullRequest } from '@vlm/schemas/src/host-protocol';
import { waitUntil } from '../../host-service/local-libvirt/wait-until';
import { domainName } from '../../host-service/src/deploy/lab-resources';
import { startHostFixture, type HostFixture } from '../../host-service/test/support/host-fixture';
import { ensureBuilt, launcher, repositoryRoot } from './run-vlm';

interface ConsoleProcess {
  output(): string;
  errors(): string;
  type(text: string): void;
  exited: Promise<number | null>;
}

/** `vlm console` with piped standard input, as a script would run it. */
function startConsole(vm: string, hostArgument: string, extra: string[] = []): ConsoleProcess {
  const child = spawn(process.execPath, [launcher, 'console', ...extra, vm, '--host', hostArgument], {
    cwd: repositoryRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(deadline);
    return code as number | null;
  });
  return { output: () => stdout, errors: () => stderr, type: (text) => child.stdin.write(text), exited };
}

/** Presses Enter until the guest shell prompts: the guest may still be booting. */
async function waitForPrompt(console: ConsoleProcess, timeoutMs = 240_000): Promise<void> {
  await waitUntil(
    'a shell prompt on the console',
    () => {
      // busybox's shell may end its prompt with a cursor position query (ESC [6n).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: that escape sequence is what it matches
      if (/# (\u001b\[6n)?$/.test(console.output())) return true;
      console.type('\r');
      return false;
    },
    timeoutMs,
    1000,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}; the console printed ${JSON.stringify(console.output().slice(-500))}, and on stderr ${JSON.stringify(console.errors())}`,
    );
  });
}

function run(commandLine: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [launcher, ...commandLine], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return once(child, 'exit').then(([status]) => ({ status: status as number | null, stdout, stderr }));
}

let fixture: HostFixture;
let hostArgument: string;
// libvirtd is shared by every test run on the machine: a name no other run uses.
const labName = `console-${randomBytes(3).toString('hex')}`;
const vm = `${labName}/solo`;

before(async () => {
  ensureBuilt();
  fixture = await startHostFixture({
    name: 'cli-console',
    driver: 'qemu',
    // QEMU runs as another user and must reach the disks under the data directory.
    folderMode: 0o755,
    // Whatever a failed test left behind on the shared libvirtd goes, with the data directory's pool.
    leftovers: { domains: [domainName(labName, 'solo')] },
  });
  hostArgument = `unix:${fixture.socketPath}`;
  // Pulling images has no vlm command yet: set up through the API.
  await fixture.client.sendRequest(ImagesPullRequest.type, { name: 'vlm-tiny' });
  const file = join(fixture.folder, 'solo.lab.yaml');
  await writeFile(file, `name: ${labName}\nvms:\n  - name: solo\n    vcpu: 1\n    ram_mb: 128\n    disk_gb: 1\n    os_image: vlm-tiny\n`);
  const up = await run(['lab', 'up', file, '--yes', '--host', hostArgument]);
  // The reason first: the plan above it is long.
  assert.equal(up.status, 0, `${up.stderr}\n${up.stdout.slice(-3000)}`);
});

after(async () => {
  await fixture?.dispose();
});

describe('vlm console on a vlm-tiny guest on qemu:///system', { timeout: 600_000 }, () => {
  it('relays typing to the guest shell and its answer back; Ctrl-] detaches', async () => {
    const console = startConsole(vm, hostArgument);
    await waitUntil('the connected line', () => console.errors().includes('Press Ctrl-] to detach.'), 30_000);
    await waitForPrompt(console);
    // The guest computes the answer, so seeing it proves the input reached the shell.
    console.type('echo console-$((6*7))\r');
    await waitUntil('the command output', () => /console-42/.test(console.output().replace('console-$((6*7))', '')), 60_000);
    console.type('\u001d');
    assert.equal(await console.exited, 0, console.errors());
    assert.match(console.errors(), new RegExp(`Detached from ${vm}\\.\\n$`));
  });

  it("--ssh opens a root shell over the VM's SSH forward instead", async () => {
    const console = startConsole(vm, hostArgument, ['--ssh']);
    await waitUntil('the connected line', () => console.errors().includes(`Connected to an SSH shell on ${vm}.`), 60_000);
    await waitForPrompt(console, 60_000);
    console.type('echo ssh-$((6*7)) $(id -u)\r');
    await waitUntil('the command output', () => /ssh-42 0/.test(console.output().replace('ssh-$((6*7))', '')), 60_000);
    console.type('\u001d');
    assert.equal(await console.exited, 0, console.errors());
    assert.match(console.errors(), new RegExp(`Detached from ${vm}\\.\\n$`));
  });
});

describe('vlm console on a terminal, on a vlm-tiny guest on qemu:///system', { timeout: 600_000 }, () => {
  it('on a terminal: raw mode while attached, the terminal as it was after Ctrl-]', async () => {
    // `stty` after vlm shows the terminal settings vlm left behind.
    const command = `'${process.execPath}' '${launcher}' console ${vm} --host '${hostArgument}'; echo "vlm exited $?"; stty -a`;
    const child = spawn('script', ['--quiet', '--command', command, '/dev/null'], { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = once(child, 'exit');
    await waitUntil('the connected line', () => output.includes('Press Ctrl-] to detach.'), 30_000);
    const typed = 'echo raw-$((40+2))\r';
    await waitUntil(
      'the guest to answer',
      () => {
        if (/raw-42/.test(output.replace('raw-$((40+2))', ''))) return true;
        child.stdin.write(typed);
        return false;
      },
      60_000,
      2000,
    );
    // A cooked terminal would hold a lone Ctrl-] until Enter: detaching on it alone shows raw mode.
    child.stdin.write('\u001d');
    await waitUntil('vlm to exit', () => output.includes('vlm exited'), 30_000);
    await exited;
    assert.match(output, /vlm exited 0/);
    const settings = output.slice(output.indexOf('vlm exited'));
    for (const flag of ['icanon', 'echo', 'isig'])
      assert.match(settings, new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm'), `${flag} restored:\n${settings}`);
  });
});

describe('vlm console when the VM stops, on a vlm-tiny guest on qemu:///system', { timeout: 600_000 }, () => {
  it('says so and exits when the VM stops under it', async () => {
    const console = startConsole(vm, hostArgument);
    await waitForPrompt(console, 60_000);
    const stop = await run(['vm', 'stop', '--force', vm, '--host', hostArgument]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(await console.exited, 0, console.errors());
    assert.match(console.errors(), new RegExp(`The console of ${vm} ended: .+\\.\\n$`));

    const refused = await run(['console', vm, '--host', hostArgument]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /only a running VM has a console/);
    const down = await run(['lab', 'down', labName, '--yes', '--host', hostArgument]);
    assert.equal(down.status, 0, down.stderr);
  });
});
