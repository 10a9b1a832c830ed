// Base images on this host: one folder per catalog image under DATA_DIR/images, complete once
// its manifest.json is there. Images the catalog builds locally (vlm-tiny) are pulled by running
// their build script; `download` images are fetched and checked against their checksum list.
import { randomBytes } from 'node:crypto';
import { ensureDataFolder, dataFolderModes } from '../state/data-directory-modes';
import { access, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { CatalogImage, ImageCatalog } from '@vlm/schemas';
import { HostErrorCode, type ImageSummary } from '@vlm/schemas/src/host-protocol';
import { hostError } from '../host-errors';
import { HostCatalogError, loadImageCatalog } from './host-image-catalog';
import { ChecksumMismatchError, downloadImageFile, isUnfinishedDownload, type DownloadProgress } from './image-download';
import { ImageFormatError, inspectDiskFormat, type DiskFormat } from './image-format';
import { CommandFailedError, describeCommand, requireSuccess, runCommand } from '../process/process-runner';

/** What a VM needs from a present image: absolute paths from its manifest. */
export interface ImageFiles {
  kernel?: string;
  initramfs?: string;
  disk?: string;
  /** The disk's real format, probed from its contents and checked against the manifest's. */
  diskFormat?: DiskFormat;
  cmdline?: string;
}

export interface ImageStoreOptions {
  dataDirectory: string;
  /** The VLM installation the catalog's build scripts are relative to. */
  sourceRoot: string;
  log: (line: string) => void;
  /** The images offered; default: the built-in catalog plus DATA_DIR/image-catalog.json. */
  catalog?: ImageCatalog;
}

/** How far a pull is: a message, and a percentage when the size is known. */
export interface PullProgress {
  message: string;
  percentage?: number;
}

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

type DownloadSource = Extract<CatalogImage['source'], { kind: 'download' }>;

const buildTimeoutMs = 10 * 60_000;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

const mebibytes = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

function describeProgress(name: string, progress: DownloadProgress): PullProgress {
  if (progress.totalBytes === undefined) return { message: `${name}: ${mebibytes(progress.receivedBytes)} MiB` };
  return {
    message: `${name}: ${mebibytes(progress.receivedBytes)} of ${mebibytes(progress.totalBytes)} MiB`,
    percentage: Math.min(100, Math.floor((progress.receivedBytes / progress.totalBytes) * 100)),
  };
}

/** One pull in progress, shared by every caller asking for the same image. */
interface SharedPull {
  work: Promise<ImageSummary>;
  controller: AbortController;
  listeners: Set<(progress: PullProgress) => void>;
  /** Callers still waiting; the pull is cancelled when the last one cancels. */
  waiting: number;
}

export class ImageStore {
  private readonly pulling = new Map<string, SharedPull>();
  private readonly logged = new Set<string>();

  constructor(private readonly options: ImageStoreOptions) {}

  get directory(): string {
    return join(this.options.dataDirectory, 'images');
  }

  folderOf(name: string): string {
    return join(this.directory, name);
  }

  /** Logs a line once per run: catalog warnings would otherwise repeat on every list. */
  private logOnce = (line: string): void => {
    if (this.logged.has(line)) return;
    this.logged.add(line);
    this.options.log(line);
  };

  /**
   * Removes what downloads of a previous run left unfinished (that run was killed): partial
   * files, unrenamed manifests, and image folders they leave empty. Complete images stay.
   * Call before serving, with the data directory locked. Returns the removed paths.
   */
  async removeUnfinishedDownloads(): Promise<string[]> {
    const removed: string[] = [];
    const folders = await readdir(this.directory, { withFileTypes: true }).catch(() => []);
    for (const folder of folders.filter((entry) => entry.isDirectory())) {
      const path = join(this.directory, folder.name);
      const entries = await readdir(path);
      for (const entry of entries.filter(isUnfinishedDownload)) {
        await rm(join(path, entry), { force: true });
        removed.push(join(path, entry));
      }
      if (entries.length > 0 && entries.every(isUnfinishedDownload)) await rmdir(path).catch(() => undefined);
    }
    for (const path of removed) this.options.log(`Removed ${path}, left unfinished by a download of a previous run.`);
    return removed;
  }

  async catalog(): Promise<ImageCatalog> {
    if (this.options.catalog) return this.options.catalog;
    try {
      return await loadImageCatalog(this.options.dataDirectory, this.logOnce);
    } catch (error) {
      if (error instanceof HostCatalogError) throw hostError(HostErrorCode.InternalError, `${error.message} Fix or remove it.`);
      throw error;
    }
  }

  private async find(name: string): Promise<CatalogImage> {
    const catalog = await this.catalog();
    const image = catalog.images.find((item) => item.name === name);
    if (!image) {
      throw hostError(HostErrorCode.NotFound, `There is no image "${name}" in the catalog.`, {
        field: '/name',
        allowed: catalog.images.map((item) => item.name).join(', '),
      });
    }
    return image;
  }

  /**
   * The files of a present image; undefined when it has not been pulled. The disk's format is
   * probed from its contents: a disk whose contents do not match its declared format is refused.
   */
  async files(name: string): Promise<ImageFiles | undefined> {
    const folder = this.folderOf(name);
    let manifest: { kernel_cmdline?: unknown; files?: { role?: unknown; path?: unknown; format?: unknown }[] };
    try {
      manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
    } catch {
      return undefined;
    }
    const files: ImageFiles = {};
    for (const file of manifest.files ?? []) {
      if (typeof file.path !== 'string' || !/^[A-Za-z0-9._-]+$/.test(file.path)) continue;
      if (file.role === 'kernel') files.kernel = join(folder, file.path);
      if (file.role === 'initramfs') files.initramfs = join(folder, file.path);
      if (file.role === 'disk') {
        files.disk = join(folder, file.path);
        const declared = file.format === 'qcow2' || file.format === 'raw' ? file.format : undefined;
        try {
          files.diskFormat = await inspectDiskFormat(files.disk, declared);
        } catch (error) {
          if (error instanceof ImageFormatError)
            throw hostError(HostErrorCode.InvalidState, `The image "${name}" cannot be used: ${error.message}.`);
          throw error;
        }
      }
    }
    if (typeof manifest.kernel_cmdline === 'string') files.cmdline = manifest.kernel_cmdline;
    return files;
  }

  async list(): Promise<ImageSummary[]> {
    const catalog = await this.catalog();
    return Promise.all(
      catalog.images.map(async (image) => ({
        name: image.name,
        title: image.title,
        present: await exists(join(this.folderOf(image.name), 'manifest.json')),
      })),
    );
  }

  /**
   * Makes the image present. Concurrent pulls of one image share the work and its progress; the
   * work stops when every caller has cancelled. A cancelled caller gets a RequestCancelled error.
   */
  async pull(name: string, options: PullOptions = {}): Promise<ImageSummary> {
    const image = await this.find(name);
    let shared = this.pulling.get(name);
    if (!shared) {
      const controller = new AbortController();
      const listeners = new Set<(progress: PullProgress) => void>();
      const report = (progress: PullProgress) => {
        for (const listener of listeners) listener(progress);
      };
      const work = this.run(image, controller.signal, report).finally(() => this.pulling.delete(name));
      // A pull nobody waits for any more still settles; its outcome is not an unhandled rejection.
      work.catch(() => undefined);
      shared = { work, controller, listeners, waiting: 0 };
      this.pulling.set(name, shared);
    }
    const pull = shared;
    const listener = options.onProgress;
    if (listener) pull.listeners.add(listener);
    pull.waiting += 1;
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    const cancelled = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        pull.waiting -= 1;
        if (pull.waiting === 0) pull.controller.abort();
        reject(hostError(HostErrorCode.RequestCancelled, `The pull of image ${name} was cancelled; nothing of it was kept.`));
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    cancelled.catch(() => undefined);
    try {
      const result = await Promise.race([pull.work, cancelled]);
      return result;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (listener) pull.listeners.delete(listener);
      if (!signal?.aborted) pull.waiting -= 1;
    }
  }

  private async run(image: CatalogImage, signal: AbortSignal, report: (progress: PullProgress) => void): Promise<ImageSummary> {
    const source = image.source;
    if (await exists(join(this.folderOf(image.name), 'manifest.json'))) {
      // Downloads are verified before their manifest is written: a present image is not fetched again.
      if (source.kind === 'download') return { name: image.name, title: image.title, present: true };
    }
    if (source.kind === 'download') return this.download(image, source, signal, report);
    // The catalog is ours, but the path still must stay inside the installation.
    const script = normalize(join(this.options.sourceRoot, source.script));
    if (isAbsolute(source.script) || !script.startsWith(`${normalize(this.options.sourceRoot)}/`)) {
      throw hostError(HostErrorCode.InternalError, `The catalog's build script ${source.script} is outside ${this.options.sourceRoot}.`);
    }
    if (!(await exists(script))) {
      throw hostError(HostErrorCode.InternalError, `The build script of "${image.name}" is missing: ${script}.`);
    }
    // QEMU runs as its own user and must reach kernels and disks through these folders.
    await ensureDataFolder(this.options.dataDirectory, 'images');
    const folder = this.folderOf(image.name);
    this.options.log(`Building image ${image.name} into ${folder}.`);
    report({ message: `${image.name}: building` });
    const build = { program: 'bash', args: [script, folder], timeoutMs: buildTimeoutMs };
    const result = await runCommand(build, { signal }).catch((error: Error) => {
      throw hostError(HostErrorCode.InternalError, `Building image ${image.name} failed: ${error.message}`);
    });
    if (result.cancelled) throw hostError(HostErrorCode.RequestCancelled, `Building image ${image.name} was cancelled.`);
    try {
      requireSuccess(build, result);
    } catch (error) {
      const reason = error instanceof CommandFailedError ? error.message : `${describeCommand(build)}: ${(error as Error).message}`;
      throw hostError(HostErrorCode.InternalError, `Building image ${image.name} failed: ${reason}`);
    }
    return { name: image.name, title: image.title, present: await exists(join(folder, 'manifest.json')) };
  }

  private async download(
    image: CatalogImage,
    source: DownloadSource,
    signal: AbortSignal,
    report: (progress: PullProgress) => void,
  ): Promise<ImageSummary> {
    await ensureDataFolder(this.options.dataDirectory, 'images');
    const folder = this.folderOf(image.name);
    const madeFolder = (await mkdir(folder, { recursive: true, mode: dataFolderModes.images })) !== undefined;
    const fileName = source.format === 'raw' ? 'disk.raw' : 'disk.qcow2';
    this.options.log(`Downloading image ${image.name} from ${source.url}.`);
    try {
      const downloaded = await downloadImageFile({
        url: source.url,
        checksumUrl: source.checksum_url,
        folder,
        fileName,
        signal,
        onProgress: (progress) => report(describeProgress(image.name, progress)),
      });
      const manifest = {
        name: image.name,
        manifest_version: 1,
        source: { url: source.url, checksum_url: source.checksum_url },
        files: [
          {
            role: 'disk',
            path: fileName,
            size: downloaded.bytes,
            [downloaded.checksum.algorithm]: downloaded.checksum.digest,
            format: source.format,
          },
        ],
      };
      // The manifest marks the image complete: it appears whole or not at all.
      const temporary = join(folder, `.manifest.${randomBytes(6).toString('hex')}.json`);
      await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
      await rename(temporary, join(folder, 'manifest.json'));
      this.options.log(`Image ${image.name} downloaded and verified (${downloaded.checksum.algorithm} ${downloaded.checksum.digest}).`);
      return { name: image.name, title: image.title, present: true };
    } catch (error) {
      await rm(join(folder, fileName), { force: true });
      if (madeFolder && (await readdir(folder).catch(() => ['?'])).length === 0) await rmdir(folder).catch(() => undefined);
      if (signal.aborted)
        throw hostError(HostErrorCode.RequestCancelled, `The download of image ${image.name} was cancelled; the partial file was removed.`);
      if (error instanceof ChecksumMismatchError) throw hostError(HostErrorCode.InvalidState, error.message);
      throw hostError(HostErrorCode.InternalError, `Downloading image ${image.name} failed: ${(error as Error).message}`);
    }
  }
}
