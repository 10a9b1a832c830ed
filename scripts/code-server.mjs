// A real VS Code for the extension's end-to-end tests: code-server 4.100.3 (VS Code 1.100.3),
// the newest that runs on Node 20. Its npm post-install downloads ripgrep, which cannot work
// here, so it is installed with scripts off and the post-install's steps are done by hand.
//
//   node scripts/code-server.mjs install
//   node scripts/code-server.mjs launch --folder DIR [--vsix FILE]... [--machine-settings JSON] [--untrusted] [--theme light|dark]
//
// `launch` prints one JSON line {"url", "pid"} once the server answers, then runs until it gets
// SIGTERM or SIGINT (or, given --stop-when-stdin-closes, its stdin closes), when it stops code-server and removes its
// temporary profile.
// Uses only Node built-ins.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repositoryRoot } from './paths.mjs';
import { ensureSystemPackages } from './system-packages.mjs';
import { npmInstallEnvironment } from './ensure-installed.mjs';

export const codeServerVersion = '4.100.3';
export const toolsFolder = join(repositoryRoot, '.tools', 'code-server');
const packageFolder = join(toolsFolder, 'node_modules', 'code-server');
const vscodeFolder = join(packageFolder, 'lib', 'vscode');
const entryPoint = join(packageFolder, 'out', 'node', 'entry.js');
const marker = join(toolsFolder, '.vlm-installed');
const nativeModules = ['@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'kerberos', 'native-watchdog', 'node-pty'];

function run(title, command, args, cwd, extraEnvironment = {}) {
  console.log(`code-server install: ${title}`);
  const result = spawnSync(command, args, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: npmInstallEnvironment({ npm_config_fund: 'false', npm_config_audit: 'false', ...extraEnvironment }),
  });
  if (result.status !== 0) {
    throw new Error(
      `code-server install failed at "${title}" (${command} ${args.join(' ')} in ${cwd}, exit ${result.status}). ` +
        'The npm registry must be reachable. Delete .tools/code-server and run `node scripts/code-server.mjs install` again.',
    );
  }
}

function link(target, path) {
  try {
    lstatSync(path);
    return; // already there, from an earlier partial run
  } catch {
    symlinkSync(target, path);
  }
}

/** Installs code-server into .tools/code-server once; later calls return at once. */
export function ensureCodeServer() {
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === codeServerVersion && existsSync(entryPoint)) {
    return entryPoint;
  }
  ensureSystemPackages(['codeServer']);
  mkdirSync(toolsFolder, { recursive: true });
  // A package.json of its own keeps npm from treating the folder as part of the repository's
  // workspaces; argon2 is the one native module code-server itself needs built.
  writeFileSync(
    join(toolsFolder, 'package.json'),
    JSON.stringify({ private: true, description: 'code-server for end-to-end tests', allowScripts: { argon2: true } }, null, 2),
  );
  run('fetch code-server', 'npm', ['install', '--ignore-scripts', '--no-save', `code-server@${codeServerVersion}`], toolsFolder);
  run('install VS Code server modules', 'npm', ['install', '--omit=dev', '--ignore-scripts'], vscodeFolder);
  // ripgrep's own post-install would download a binary: Debian's takes its place.
  mkdirSync(join(vscodeFolder, 'node_modules', '@vscode', 'ripgrep', 'bin'), { recursive: true });
  link('/usr/bin/rg', join(vscodeFolder, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
  // The VS Code server's native modules for Linux, named one by one: their package.json is
  // code-server's, so the build-script policy is given here rather than written into it, and
  // no other install script (ripgrep's would download) runs.
  run('build VS Code server native modules', 'npm', ['rebuild', ...nativeModules, '--dangerously-allow-all-scripts'], vscodeFolder);
  run('build argon2', 'npm', ['rebuild', 'argon2'], toolsFolder);
  link('node_modules', join(vscodeFolder, 'node_modules.asar'));
  link('code-linux.sh', join(vscodeFolder, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vscodeFolder, 'bin', 'helpers', 'browser.sh'));
  writeFileSync(marker, `${codeServerVersion}\n`);
  console.log(`code-server ${codeServerVersion} installed in ${toolsFolder}`);
  return entryPoint;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** User settings of a fresh profile: quiet, offline, and the folder trusted unless asked not to. */
function profileSettings({ trusted, theme }) {
  return {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.colorTheme': theme === 'light' ? 'Default Light Modern' : 'Default Dark Modern',
    'window.commandCenter': false,
    // Other processes on the machine open ports too; tests should not see them offered.
    'remote.autoForwardPorts': false,
    'chat.commandCenter.enabled': false,
    // Each launch has a profile of its own that holds only the opened folder, so turning the
    // trust check off trusts exactly that folder. With it on, the prompt is not shown and the
    // folder opens in restricted mode, as an untrusted folder would after "Don't Trust".
    'security.workspace.trust.enabled': !trusted,
    'security.workspace.trust.startupPrompt': 'never',
  };
}

function waitForReady(child, deadlineMs) {
  return new Promise((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${deadlineMs / 1000} s:\n${output}`)), deadlineMs);
    const onData = (chunk) => {
      output += chunk.toString();
      if (/HTTP server listening on/.test(output)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/** The git extension's askpass and VS Code's IPC sockets in the temporary folder; code-server leaves them behind. */
function gitSockets() {
  return new Set(readdirSync(tmpdir()).filter((name) => /^vscode-(git-[0-9a-f]+|ipc-[0-9a-f-]+)\.sock$/.test(name)));
}

/** Removes the sockets that appeared since `before` and that nothing listens on any more. */
async function removeDeadGitSockets(before) {
  for (const name of gitSockets()) {
    if (before.has(name)) continue;
    const path = join(tmpdir(), name);
    // Another VS Code of this user may have made one meanwhile: only a dead socket goes.
    const alive = await new Promise((resolveProbe) => {
      const probe = connect(path, () => {
        probe.destroy();
        resolveProbe(true);
      });
      probe.once('error', () => resolveProbe(false));
    });
    if (!alive) rmSync(path, { force: true });
  }
}

/** Starts code-server on a free loopback port with a fresh profile; resolves once it listens. */
export async function launchCodeServer({ folder, vsix, trusted = true, theme = 'dark', machineSettings }) {
  const entry = ensureCodeServer();
  const socketsBefore = gitSockets();
  const profile = mkdtempSync(join(tmpdir(), 'vlm-code-server-'));
  const userData = join(profile, 'user-data');
  const extensions = join(profile, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(profileSettings({ trusted, theme }), null, 2));
  // Machine-scoped settings are read from the server's Machine settings, not the user's.
  if (machineSettings) {
    mkdirSync(join(userData, 'Machine'), { recursive: true });
    writeFileSync(join(userData, 'Machine', 'settings.json'), JSON.stringify(machineSettings, null, 2));
  }
  const environment = {
    ...process.env,
    // The extension gallery would be fetched from outside: point it at loopback, where nothing answers.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
  };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check'];
  // util-linux setpriv makes the kernel end code-server when this process dies, however it dies
  // (PR_SET_PDEATHSIG): SIGTERM, so it still stops its extension host and what that started.
  const owned = ['--pdeathsig', 'TERM', '--', process.execPath, entry, ...common];
  // One .vsix, or several: the extension and a test's own helper extensions.
  const packages = [vsix ?? []].flat();
  if (packages.length > 0) {
    const installs = packages.flatMap((file) => ['--install-extension', resolve(file)]);
    const installed = spawnSync('setpriv', [...owned, ...installs], {
      encoding: 'utf8',
      env: environment,
    });
    if (installed.status !== 0) {
      rmSync(profile, { recursive: true, force: true });
      throw new Error(`code-server could not install ${packages.join(', ')}:\n${installed.stdout}${installed.stderr}`);
    }
  }
  const port = await freePort();
  // A process group of its own, with its extension host and helpers: stopped as one, and not by a
  // Ctrl-C meant for whoever launched it, which stops it in order.
  const child = spawn('setpriv', [...owned, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, resolve(folder)], {
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
  /** Sends `signal` to the group; false once no process of it is left. */
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  /**
   * SIGTERM to the group, SIGKILL after 10 s; resolves once code-server and every process of its
   * group (an extension host outlives it otherwise) have exited and its profile is removed.
   */
  const stop = async () => {
    if (child.pid !== undefined) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      await exited;
      const deadline = Date.now() + 10_000;
      while (signalGroup(0) && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      clearTimeout(timer);
      signalGroup('SIGKILL');
    }
    rmSync(profile, { recursive: true, force: true });
    await removeDeadGitSockets(socketsBefore);
  };
  try {
    await waitForReady(child, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/`, child, profile, stop };
}

function option(name) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

/** Every value of an option given more than once. */
function options(name) {
  return process.argv.flatMap((argument, index) =>
    argument === `--${name}` && index + 1 < process.argv.length ? [process.argv[index + 1]] : [],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2];
  try {
    if (command === 'install') {
      ensureCodeServer();
    } else if (command === 'launch') {
      const folder = option('folder');
      if (!folder) throw new Error('launch needs --folder DIR');
      const launched = await launchCodeServer({
        folder,
        vsix: options('vsix'),
        machineSettings: option('machine-settings') ? JSON.parse(option('machine-settings')) : undefined,
        trusted: !process.argv.includes('--untrusted'),
        theme: option('theme') ?? 'dark',
      });
      console.log(JSON.stringify({ url: launched.url, pid: launched.child.pid, profile: launched.profile }));
      launched.child.stdout.resume();
      launched.child.stderr.resume();
      const shutdown = () => void launched.stop().then(() => process.exit(0));
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
      // A test starts this with a piped stdin, which closes when the test ends, even when it
      // is killed: code-server must not outlive it.
      if (process.argv.includes('--stop-when-stdin-closes')) {
        process.stdin.on('close', shutdown);
        process.stdin.resume();
      }
      launched.child.once('exit', (code) => void launched.stop().then(() => process.exit(code ?? 1)));
    } else {
      console.error(
        'Usage: node scripts/code-server.mjs install | launch --folder DIR [--vsix FILE]... [--machine-settings JSON] [--untrusted] [--theme light|dark] [--stop-when-stdin-closes]',
      );
      process.exit(2);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
