// `npm start`: installs what is missing, builds and packs the extension, then opens it in a real
// VS Code (code-server, 127.0.0.1 only) on a copy of the example labs, with a local host service:
// real VMs on qemu:///system as root, on the user's own qemu:///session otherwise (when QEMU and
// libvirtd are installed), else libvirt's test driver; the extension is told the same decision. Stays up until
// Ctrl-C, then stops everything it started and powers off the VMs of its labs (they stay
// deployed, shut off, for the next start). Its long-running children are also started so the
// kernel ends them if this process dies without stopping them (setpriv --pdeathsig).
// `npm start -- --validate [FOLDER]`: the language server validates the example labs (or FOLDER)
// and prints one line per problem, like `vlm validate`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureNpmDependencies } from './ensure-installed.mjs';
import { repositoryRoot } from './paths.mjs';

ensureNpmDependencies();
if (process.argv.includes('--validate')) await validateExamples(process.argv.slice(2).find((argument) => !argument.startsWith('--')));
else await startWorkbench();

async function startWorkbench() {
  // Ctrl-C is handled from the first moment: whatever has been started by then is stopped.
  const cleanups = [];
  let stopping = false;
  // The step under way: a stop waits for it, so whatever it started is registered and stopped too.
  let inFlight = Promise.resolve();
  const step = (promise) => {
    inFlight = promise.catch(() => undefined);
    return promise;
  };
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await inFlight;
    for (const cleanup of [...cleanups].reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(`While stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const { ensureSystemPackages } = await import('./system-packages.mjs');
  const isRoot = process.getuid?.() === 0;
  ensureSystemPackages(['libvirt', 'codeServer', ...(isRoot ? ['qemu', 'tinyImage'] : [])]);
  await step(import('./build.mjs'));
  if (stopping) return;
  const { packageExtension } = await import('./package.mjs');
  const vsix = packageExtension();
  const { launchCodeServer } = await import('./code-server.mjs');
  // host-service/local-libvirt starts the private bus, libvirt-dbus and the daemons.
  const { tsImport } = await import('tsx/esm/api');
  const { startLibvirtTestEnvironment } = await tsImport('../host-service/local-libvirt/libvirt-environment.ts', import.meta.url);
  // The extension's own decision of which libvirt the local host uses, taken here once and passed on.
  const { chooseLocalLibvirt, localLibvirtFacts } = await tsImport('../extension/src/local-libvirt-choice.ts', import.meta.url);
  // As root, npm start runs libvirtd itself: its socket is usable once the environment is up.
  const libvirt = chooseLocalLibvirt('auto', undefined, { ...localLibvirtFacts(), systemSocketUsable: isRoot });
  if (libvirt.libvirt === 'missing') {
    console.error(`npm start: ${libvirt.words}.`);
    return stop(1);
  }

  try {
    const environment = await step(startLibvirtTestEnvironment({ realDaemons: libvirt.libvirt === 'system' }));
    cleanups.push(() => environment.stop());
    if (stopping) return;
    process.env.VLM_BUS_ADDRESS = environment.busAddress;
    process.env.VLM_HOST_SERVER = join(repositoryRoot, 'host-service', 'dist', 'vlm-host.js');
    process.env.VLM_LOCAL_LIBVIRT = libvirt.libvirt;
    // The service's state and disks, kept between runs; libvirt's QEMU user must reach the disks.
    const dataFolder =
      process.env.VLM_HOST_DATA_DIR || (isRoot ? '/var/lib/vlm/npm-start' : join(tmpdir(), `vlm-npm-start-${process.getuid?.()}`));
    mkdirSync(dataFolder, { recursive: true, mode: 0o755 });
    process.env.VLM_HOST_DATA_DIR = dataFolder;
    // A copy of the example labs, outside the checkout, kept with the user's edits between runs.
    const { copyExampleLabs, exampleLabsFolder } = await import('./example-labs.mjs');
    const folder = exampleLabsFolder(dataFolder);
    copyExampleLabs(join(repositoryRoot, 'schemas', 'examples'), folder);
    // Its labs' VMs run under libvirtd, not under this process: they are powered off last.
    if (libvirt.driver === 'qemu')
      cleanups.push(() => powerOffVms(dataFolder, libvirt.libvirt === 'system' ? 'qemu:///system' : 'qemu:///session'));
    const launched = await step(launchCodeServer({ folder, vsix, trusted: true }));
    launched.child.stdout.resume();
    launched.child.stderr.resume();
    // The extension starts vlm-host itself, which ends when the extension host does; it notes its
    // pid, so one that is still there once VS Code has stopped is ended too.
    const pidFile = join(dataFolder, 'vlm-host.pid');
    cleanups.push(async () => {
      await launched.stop();
      await stopLocalHost(existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined, dataFolder);
    });
    if (stopping) return;
    launched.child.once('exit', (code, signal) => {
      if (!stopping && signal !== 'SIGINT') console.error(`code-server exited (${code ?? signal}).`);
      // A Ctrl-C reaches code-server too; it is a stop, not a failure.
      void stop(signal === 'SIGINT' ? 0 : (code ?? 1));
    });
    printStarted(launched.url, libvirt, folder);
  } catch (error) {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

function printStarted(url, libvirt, folder) {
  console.log(`\nVirtual Lab Manager is running in VS Code at ${url}`);
  console.log(`Host "local": ${libvirt.words}.`);
  console.log(`The example labs (a copy you may edit; delete it to start over): ${folder}`);
  console.log(
    libvirt.libvirt === 'session'
      ? 'Lab networks need qemu:///system: open tiny-pair.lab.yaml, remove its networks, and click Deploy.'
      : 'Open tiny-pair.lab.yaml and click Deploy.',
  );
  console.log('Press Ctrl-C to stop.');
}

/**
 * Powers off the running VMs whose disks are in `dataFolder`: those of npm start's labs. Through
 * virsh (libvirt-clients), which needs neither the private bus nor anything a Ctrl-C has ended.
 */
function powerOffVms(dataFolder, uri) {
  const virsh = (...words) => spawnSync('virsh', ['-q', '-c', uri, ...words], { encoding: 'utf8', timeout: 60_000 });
  const running = virsh('list', '--name', '--state-running');
  if (running.status !== 0) throw new Error(`virsh list failed: ${running.stderr.trim()}`);
  for (const name of running.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)) {
    if (!virsh('dumpxml', name).stdout.includes(`${dataFolder}/`)) continue;
    const stopped = virsh('destroy', name);
    if (stopped.status !== 0) throw new Error(`virsh destroy ${name} failed: ${stopped.stderr.trim()}`);
    console.log(`Powered off VM ${name}; its lab stays deployed for the next npm start.`);
  }
}

/** SIGTERM to the extension's vlm-host process group, then SIGKILL after 5 s. */
async function stopLocalHost(pid, dataFolder) {
  if (!Number.isInteger(pid) || pid <= 1) return;
  // A pid file can outlive its process, and the pid be reused: only a vlm-host of this data folder is ended.
  const commandLine = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      return [];
    }
  };
  const alive = () => {
    const words = commandLine();
    return words.some((word) => word.endsWith('vlm-host.js')) && words.includes(dataFolder);
  };
  if (!alive()) return;
  process.kill(-pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(-pid, 'SIGKILL');
}

async function validateExamples(folderArgument) {
  await import('./build.mjs');
  const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import('vscode-jsonrpc/node.js');

  const examplesFolder = folderArgument ?? join(repositoryRoot, 'schemas', 'examples');
  const files = readdirSync(examplesFolder)
    .filter((file) => /\.lab\.ya?ml$/.test(file))
    .map((file) => join(examplesFolder, file));
  const serverPath = join(repositoryRoot, 'language-server', 'dist', 'server.js');
  const server = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));

  const pending = new Map(files.map((file) => [pathToFileURL(file).href, file]));
  const results = new Map();
  const allPublished = new Promise((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', ({ uri, diagnostics }) => {
      if (!pending.has(uri)) return;
      results.set(uri, diagnostics);
      if (results.size === pending.size) resolve();
    });
  });
  connection.onRequest('workspace/configuration', ({ items }) => items.map(() => ({})));
  connection.listen();

  const started = performance.now();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(examplesFolder).href,
    capabilities: { workspace: { configuration: true } },
  });
  connection.sendNotification('initialized', {});
  for (const [uri, file] of pending) {
    connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'yaml', version: 1, text: readFileSync(file, 'utf8') },
    });
  }
  const timeout = setTimeout(() => {
    console.error('The language server did not publish diagnostics for every example within 30 s.');
    process.exit(1);
  }, 30_000);
  await allPublished;
  clearTimeout(timeout);

  const severities = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
  let errors = 0;
  for (const [uri, file] of pending) {
    const diagnostics = results.get(uri);
    const path = relative(process.cwd(), file);
    for (const { range, severity, message, code } of diagnostics) {
      if (severity === 1) errors++;
      console.log(
        `${path}:${range.start.line + 1}:${range.start.character + 1}: ${severities[severity] ?? 'error'}: ${message}${code ? ` [${code}]` : ''}`,
      );
    }
    if (diagnostics.length === 0) console.log(`${path}: ok`);
  }
  console.log(
    `\nThe language server validated ${files.length} example labs in ${Math.round(performance.now() - started)} ms: ${errors} errors.`,
  );
  await connection.sendRequest('shutdown');
  connection.sendNotification('exit');
  connection.dispose();
  process.exitCode = errors > 0 ? 1 : 0;
}
