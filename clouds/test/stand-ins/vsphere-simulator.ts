// Starts a real VMware vCenter simulator (govmomi's, see ../vsphere-simulator/main.go) on
// 127.0.0.1 for tests, the extension's end-to-end tests and benchmarks. The Go main is built
// once per source and toolchain into a cache folder (to a temporary name, then renamed, so
// parallel builds do not collide). Each simulator gets its own TMPDIR, so its datastore
// folders are found and removed even if it dies.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const sourceFolder = join(dirname(fileURLToPath(import.meta.url)), '..', 'vsphere-simulator');
const govmomiSimulator = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator';
const cacheFolder = join(tmpdir(), 'vlm-vsphere-simulator');
const installHint = 'Install the vSphere test packages with: node scripts/system-packages.mjs vsphere';

export interface VsphereSimulator {
  /** The SOAP endpoint, such as http://127.0.0.1:PORT/sdk. */
  url: string;
  username: string;
  password: string;
  /** With `tls`: a PEM file holding the simulator's self-signed certificate. */
  caFile?: string;
  /** The simulator's own temporary folder (datastores, CA file); gone after `stop()`. */
  folder: string;
  pid: number;
  /** Stops it with SIGTERM and resolves with the datastore folders it left behind (none, if it cleaned up). */
  stop(): Promise<string[]>;
}

function goVersion(): string {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`The Go toolchain (go) is missing. ${installHint}`);
  if (!existsSync(govmomiSimulator)) throw new Error(`govmomi's simulator sources are missing at ${govmomiSimulator}. ${installHint}`);
  return result.stdout.trim();
}

/** Old builds go once a new one is in place (a simulator still running from one keeps its file open). */
async function removeOlderBuilds(current: string): Promise<void> {
  for (const name of await readdir(cacheFolder)) {
    const path = join(cacheFolder, name);
    if (path !== current && /^vsphere-simulator-[0-9a-f]{16}$/.test(name)) await rm(path, { force: true });
  }
}

/** Builds the simulator once per source and Go version; resolves with the binary's path. */
export async function buildVsphereSimulator(): Promise<string> {
  const hash = createHash('sha256').update(goVersion());
  for (const name of (await readdir(sourceFolder)).filter((file) => file.endsWith('.go')).sort()) {
    hash.update(name).update(await readFile(join(sourceFolder, name)));
  }
  const key = hash.digest('hex').slice(0, 16);
  const binary = join(cacheFolder, `vsphere-simulator-${key}`);
  if (existsSync(binary)) return binary;
  await mkdir(cacheFolder, { recursive: true, mode: 0o700 });
  const partial = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? cacheFolder,
    GO111MODULE: 'off',
    GOPATH: `${join(cacheFolder, 'gopath')}:/usr/share/gocode`,
    GOCACHE: join(cacheFolder, 'go-build'),
    GOFLAGS: '',
    CGO_ENABLED: '0',
  };
  try {
    await promisify(execFile)('go', ['build', '-o', partial, '.'], { cwd: sourceFolder, env, maxBuffer: 16 * 1024 * 1024 });
    await rename(partial, binary);
    await removeOlderBuilds(binary);
  } catch (error) {
    await rm(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`Building the vSphere simulator failed: ${stderr.trim() || (error as Error).message}. ${installHint}`);
  }
  return binary;
}

function readyLine(child: ChildProcess, timeoutMs: number): Promise<{ url: string; certificate?: string }> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => finish(new Error(`The vSphere simulator was not ready within ${timeoutMs} ms. ${stderr}`)), timeoutMs);
    const onExit = (code: number | null) =>
      finish(new Error(`The vSphere simulator exited (${code}) before it was ready: ${stderr.trim()}`));
    function finish(error: Error | undefined, ready?: { url: string; certificate?: string }) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      if (error) reject(error);
      else resolve(ready as { url: string; certificate?: string });
    }
    child.once('exit', onExit);
    lines.once('line', (line) => {
      try {
        const ready = JSON.parse(line) as { url: string; certificate?: string };
        if (!/^https?:\/\/127\.0\.0\.1:\d+\/sdk$/.test(ready.url)) throw new Error(`unexpected URL ${ready.url}`);
        finish(undefined, ready);
      } catch (error) {
        finish(new Error(`The vSphere simulator's ready line is not understood: ${(error as Error).message}`));
      }
    });
  });
}

async function stopChild(child: ChildProcess, folder: string): Promise<string[]> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const deadline = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(deadline);
  }
  const left = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.startsWith('govcsim-'));
  await rm(folder, { recursive: true, force: true });
  return left;
}

export interface SimulatorOptions {
  /** Serve https with a self-signed certificate (written to `caFile`). */
  tls?: boolean;
  /** At most this many objects per property collector page, as a vCenter caps its pages. */
  pageLimit?: number;
  /** VM power tasks stay running this long, as on a vCenter (the simulator ends them at once). */
  taskDelayMs?: number;
  timeoutMs?: number;
}

/** Starts a simulator with a fresh random password. */
export async function startVsphereSimulator(options: SimulatorOptions = {}): Promise<VsphereSimulator> {
  const binary = await buildVsphereSimulator();
  const folder = await mkdtemp(join(tmpdir(), 'vlm-vsphere-'));
  const username = 'vlm-tester';
  const password = randomBytes(12).toString('base64url');
  const flags = ['-listen', '127.0.0.1:0', '-username', username, ...(options.tls ? ['-tls'] : [])];
  if (options.pageLimit !== undefined) flags.push('-page-limit', String(options.pageLimit));
  if (options.taskDelayMs !== undefined) flags.push('-task-delay', `${options.taskDelayMs}ms`);
  const child = spawn(binary, flags, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: folder, VSPHERE_SIMULATOR_PASSWORD: password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ready: { url: string; certificate?: string };
  try {
    ready = await readyLine(child, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stopChild(child, folder);
    throw error;
  }
  child.stdout?.resume();
  let caFile: string | undefined;
  if (ready.certificate) {
    caFile = join(folder, 'simulator-ca.pem');
    await writeFile(caFile, ready.certificate, { mode: 0o600 });
  }
  return { url: ready.url, username, password, caFile, folder, pid: child.pid as number, stop: () => stopChild(child, folder) };
}
