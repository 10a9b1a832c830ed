// Drives a real VS Code (code-server in Debian's Chromium) the way a user does: clicks, typing
// and keyboard shortcuts. The extension is packed and installed from its .vsix, as a user
// would install it. Everything missing is installed by the project's own scripts first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { removePoolOf } from '../../../host-service/test/support/volume-pools';

export const repositoryRoot = join(__dirname, '..', '..', '..');
export const screenshotFolder = join(repositoryRoot, '.artifacts', 'e2e');
export const chromiumPath = '/usr/bin/chromium';

// Nothing leaves loopback: the browser resolves no other host name and fetches nothing by itself.
export const chromiumArguments = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export type Theme = 'light' | 'dark';

function runScript(title: string, script: string, args: string[]): void {
  const result = spawnSync(process.execPath, [join(repositoryRoot, 'scripts', script), ...args], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`${title} failed (node scripts/${script} ${args.join(' ')}): see the output above.`);
  }
}

let packedVsix: string | undefined;

/** Builds and packs the extension once per test process, into a file of this process. */
export function packedExtension(): string {
  if (packedVsix) return packedVsix;
  const folder = mkdtempSync(join(tmpdir(), 'vlm-vsix-'));
  // code-server copies the package when it installs it: the file is of no use after this process.
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  const vsix = join(folder, 'virtual-lab-manager.vsix');
  runScript('Packing the extension', 'package.mjs', ['--out', vsix]);
  packedVsix = vsix;
  return vsix;
}

/**
 * A test's helper extension (a folder under extension/test/e2e/) packed with vsce into a file of
 * this process, to be installed next to the extension.
 */
export function packedTestExtension(folder: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'vlm-test-vsix-')), 'test-extension.vsix');
  process.once('exit', () => rmSync(dirname(out), { recursive: true, force: true }));
  const vsce = join(repositoryRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const packed = spawnSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out],
    { cwd: folder, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (packed.status !== 0) throw new Error(`vsce could not pack the test extension in ${folder}: see the output above.`);
  return out;
}

/** code-server and Chromium, installed by the project's scripts when missing (once, about 2 minutes). */
export function ensureTools(): void {
  runScript('Installing the Debian packages for code-server and Chromium', 'system-packages.mjs', ['codeServer']);
  // Test files may run at once: one installs, the others wait for it (util-linux flock).
  const install = spawnSync(
    'flock',
    [join(tmpdir(), 'vlm-code-server-install.lock'), process.execPath, join(repositoryRoot, 'scripts', 'code-server.mjs'), 'install'],
    {
      cwd: repositoryRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (install.status !== 0) throw new Error('Installing code-server failed (node scripts/code-server.mjs install): see the output above.');
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install it with \`node scripts/system-packages.mjs codeServer\` (Debian's chromium).`);
  }
}

/** A temporary folder holding copies of the example labs. */
export function exampleWorkspace(): string {
  const folder = mkdtempSync(join(tmpdir(), 'vlm-workspace-'));
  cpSync(join(repositoryRoot, 'schemas', 'examples'), folder, { recursive: true });
  return folder;
}

export interface VsCodeSessionOptions {
  workspace: string;
  theme?: Theme;
  trusted?: boolean;
  /** Folders of test-only extensions to install beside the extension. */
  testExtensions?: string[];
  /** Machine-scoped settings (the server's Machine settings.json). */
  machineSettings?: Record<string, unknown>;
}

export class VsCodeSession {
  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    /** code-server's profile folder: user data (global storage included) and extensions. */
    readonly profile: string,
    /** The data folder this session gave the extension's own vlm-host, removed at close. */
    private readonly hostDataFolder: string | undefined,
  ) {}

  static async open(options: VsCodeSessionOptions): Promise<VsCodeSession> {
    ensureTools();
    const vsix = packedExtension();
    const args = [
      join(repositoryRoot, 'scripts', 'code-server.mjs'),
      'launch',
      '--folder',
      options.workspace,
      '--vsix',
      vsix,
      '--stop-when-stdin-closes',
    ];
    for (const folder of options.testExtensions ?? []) args.push('--vsix', packedTestExtension(folder));
    if (options.machineSettings) args.push('--machine-settings', JSON.stringify(options.machineSettings));
    args.push('--theme', options.theme ?? 'dark');
    if (options.trusted === false) args.push('--untrusted');
    // The extension's own vlm-host keeps its data in a folder of this session, not in root's
    // /var/lib/vlm, so nothing of it outlives the session; a test that chose one keeps it.
    const hostDataFolder = process.env.VLM_HOST_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'vlm-e2e-local-host-'));
    // QEMU guests run as libvirt's user, which must reach their disks.
    if (hostDataFolder) chmodSync(hostDataFolder, 0o755);
    const env = hostDataFolder ? { ...process.env, VLM_HOST_DATA_DIR: hostDataFolder } : process.env;
    // stdin stays open as a lifeline: when this process ends, however, code-server stops too.
    const server = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
    const { url, profile } = await readLaunchUrl(server);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArguments });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url);
      // The workbench is ready for a user once the activity bar and the status bar are drawn.
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90_000 });
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 30_000 });
      // The extension's contributions (commands, views) are read after the workbench is drawn: a
      // Command Palette opened before then lists none of them, though the extension is installed.
      await page.getByRole('tab', { name: /^Virtual Labs/ }).waitFor({ timeout: 60_000 });
      return new VsCodeSession(page, browser, server, profile, hostDataFolder);
    } catch (error) {
      await browser.close();
      server.kill('SIGTERM');
      if (hostDataFolder) removeLocalHostData(hostDataFolder);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
    if (this.server.exitCode === null) {
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.server.kill('SIGTERM');
      await exited;
    }
    if (this.hostDataFolder) removeLocalHostData(this.hostDataFolder);
  }

  /** Saves `.artifacts/e2e/<name>.png` for a person to look at. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(screenshotFolder, { recursive: true });
    const path = join(screenshotFolder, `${name}.png`);
    // Let fades and slides that are under way end, so the picture shows what the user sees.
    await this.page.evaluate(() => {
      // Runs in the page; the repository's TypeScript settings have no DOM types.
      interface PageAnimation {
        effect: { getComputedTiming(): { iterations?: number } } | null;
        finished: Promise<unknown>;
      }
      const page = globalThis as unknown as { document: { getAnimations(): PageAnimation[] } };
      const ending = page.document.getAnimations().filter((animation) => animation.effect?.getComputedTiming().iterations !== Infinity);
      return Promise.all(ending.map((animation) => animation.finished.catch(() => undefined)));
    });
    await this.page.screenshot({ path });
    return path;
  }

  /**
   * Runs "Developer: Reload Window" and returns once the new workbench is up. The command returns
   * before the page navigates, so waiting on the old page's elements would find them still there.
   */
  async reloadWindow(): Promise<void> {
    const reloaded = this.page.waitForEvent('framenavigated', {
      predicate: (frame) => frame === this.page.mainFrame(),
      timeout: 90_000,
    });
    await this.runCommand('Developer: Reload Window');
    await reloaded;
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90_000 });
  }

  /** Runs a command from the Command Palette by typing its title, as a user does. */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input[type="text"]');
    // A webview taking focus back as it redraws can close the palette as it opens, or while the
    // arrow keys walk its rows: open it again. pickRow presses Enter only on the right row.
    for (let attempt = 1; ; attempt += 1) {
      await this.page.keyboard.press('F1');
      const picked = await input
        .fill(`>${title}`, { timeout: 10_000 })
        .then(() => this.pickRow(title))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      if (picked === undefined) return;
      if (attempt === 3) throw new Error(`The Command Palette could not run "${title}" in ${attempt} tries.`, { cause: picked });
      await this.page.keyboard.press('Escape');
    }
  }

  /** Moves the open quick pick's selection with the arrow keys to the row labelled `label`, then Enter. */
  async pickRow(label: string): Promise<void> {
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    await rows.locator('.label-name', { hasText: label }).first().waitFor({ timeout: 10_000 });
    const focusedLabel = rows.and(this.page.locator('.focused')).locator('.label-name');
    const count = await rows.count();
    for (let step = 0; step <= count; step += 1) {
      if ((await focusedLabel.textContent({ timeout: 5_000 }))?.trim() === label) {
        await this.page.keyboard.press('Enter');
        return;
      }
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`The quick pick has no row labelled "${label}".`);
  }

  /** Picks a color theme through "Preferences: Color Theme". */
  async setTheme(theme: Theme): Promise<void> {
    const name = theme === 'light' ? 'Light Modern' : 'Dark Modern';
    await this.runCommand('Preferences: Color Theme');
    // The palette closes, then the theme picker opens in its place.
    const input = this.page.locator('.quick-input-widget input[type="text"][aria-label*="Color Theme"]');
    await input.waitFor();
    await input.fill(name);
    await this.pickRow(name);
    const lightTheme = this.page.locator('.monaco-workbench.vs');
    const darkTheme = this.page.locator('.monaco-workbench.vs-dark');
    await (theme === 'light' ? lightTheme : darkTheme).waitFor();
  }

  /** Opens a file of the workspace through Quick Open (Ctrl+P). */
  async openFile(fileName: string): Promise<Locator> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input[type="text"]');
    await input.waitFor();
    await input.fill(fileName);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
    await this.page.keyboard.press('Enter');
    const editor = this.page.locator('.editor-instance .monaco-editor').first();
    await this.page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor();
    await editor.locator('.view-lines').waitFor();
    return editor;
  }

  /**
   * Hovers `target` until a hover containing `text` shows, up to a deadline: hovers show after
   * a delay, and the language server answers only once it has started.
   */
  async hoverUntil(target: Locator, text: string, timeoutMs = 60_000): Promise<Locator> {
    const hover = this.page.locator('.monaco-hover-content, .monaco-hover', { hasText: text }).last();
    const deadline = Date.now() + timeoutMs;
    // An editor keeps an empty hover (asked before the language server was up) while the mouse
    // stays on the same character: each try points at another spot of the target.
    const spots = [0.5, 0.25, 0.75, 0.4, 0.6];
    for (let attempt = 0; ; attempt += 1) {
      await this.page.mouse.move(0, 0);
      const box = await target.boundingBox();
      const spot = spots[attempt % spots.length] ?? 0.5;
      await target.hover({ position: box ? { x: box.width * spot, y: box.height / 2 } : undefined });
      try {
        await hover.waitFor({ timeout: 3000 });
        return hover;
      } catch (error) {
        if (Date.now() > deadline) {
          await this.screenshot('failed-hover');
          throw new Error(`No hover with "${text}" appeared within ${timeoutMs / 1000} s.`, { cause: error });
        }
      }
    }
  }

  /** Moves the cursor to the end of a 1-based line with Go to Line (Ctrl+G). */
  async goToLineEnd(line: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input[type="text"]');
    await input.waitFor();
    await input.fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await this.page.keyboard.press('End');
  }
}

function readLaunchUrl(server: ChildProcess): Promise<{ url: string; profile: string }> {
  return new Promise((resolve, reject) => {
    const output = server.stdout;
    if (!output) {
      reject(new Error('code-server was started without a pipe for its output.'));
      return;
    }
    const lines = createInterface({ input: output });
    const onExit = (code: number | null) =>
      reject(new Error(`code-server launch exited (${code}) before it was ready; see its output above.`));
    server.once('exit', onExit);
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      server.off('exit', onExit);
      lines.close();
      // Keep draining code-server's output so it never blocks on a full pipe.
      output.resume();
      resolve(JSON.parse(line) as { url: string; profile: string });
    });
  });
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/**
 * Ends the vlm-host the extension started on `dataFolder` (VS Code may end without deactivating
 * the extension), by the pid it wrote there.
 */
export function stopLocalHost(dataFolder: string): void {
  const pidFile = join(dataFolder, 'vlm-host.pid');
  if (!existsSync(pidFile)) return;
  try {
    process.kill(-Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch {
    // Already gone with VS Code.
  }
}

/** Stops the extension's vlm-host on `dataFolder`, then removes the folder and its storage pool. */
function removeLocalHostData(dataFolder: string): void {
  stopLocalHost(dataFolder);
  removePoolOf(dataFolder);
  removeFolder(dataFolder);
}
