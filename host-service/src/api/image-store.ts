// Base images on this host: one folder per catalog image under DATA_DIR/images, complete once
// its manifest.json is there. Images the catalog builds locally (vlm-tiny) are pulled by running
// their build script; downloads are not implemented yet.
import { access, mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { builtInImageCatalog, type CatalogImage } from '@vlm/schemas';
import { HostErrorCode, type ImageSummary } from '@vlm/schemas/src/host-protocol';
import { hostError } from './host-errors';
import { CommandFailedError, describeCommand, requireSuccess, runCommand } from '../process/process-runner';

/** What a VM needs from a present image: absolute paths from its manifest. */
export interface ImageFiles {
  kernel?: string;
  initramfs?: string;
  disk?: string;
  cmdline?: string;
}

export interface ImageStoreOptions {
  dataDirectory: string;
  /** The VLM installation the catalog's build scripts are relative to. */
  sourceRoot: string;
  log: (line: string) => void;
}

const buildTimeoutMs = 10 * 60_000;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export class ImageStore {
  private readonly pulling = new Map<string, Promise<ImageSummary>>();

  constructor(private readonly options: ImageStoreOptions) {}

  get directory(): string {
    return join(this.options.dataDirectory, 'images');
  }

  folderOf(name: string): string {
    return join(this.directory, name);
  }

  private find(name: string): CatalogImage {
    const image = builtInImageCatalog.images.find((item) => item.name === name);
    if (!image) {
      throw hostError(HostErrorCode.NotFound, `There is no image "${name}" in the catalog.`, {
        field: '/name',
        allowed: builtInImageCatalog.images.map((item) => item.name).join(', '),
      });
    }
    return image;
  }

  /** The files of a present image; undefined when it has not been pulled. */
  async files(name: string): Promise<ImageFiles | undefined> {
    const folder = this.folderOf(name);
    let manifest: { kernel_cmdline?: unknown; files?: { role?: unknown; path?: unknown }[] };
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
      if (file.role === 'disk') files.disk = join(folder, file.path);
    }
    if (typeof manifest.kernel_cmdline === 'string') files.cmdline = manifest.kernel_cmdline;
    return files;
  }

  async list(): Promise<ImageSummary[]> {
    return Promise.all(
      builtInImageCatalog.images.map(async (image) => ({
        name: image.name,
        title: image.title,
        present: await exists(join(this.folderOf(image.name), 'manifest.json')),
      })),
    );
  }

  /** Makes the image present; concurrent pulls of one image share the work. */
  pull(name: string): Promise<ImageSummary> {
    const image = this.find(name);
    const running = this.pulling.get(name);
    if (running) return running;
    const work = this.run(image).finally(() => this.pulling.delete(name));
    this.pulling.set(name, work);
    return work;
  }

  private async run(image: CatalogImage): Promise<ImageSummary> {
    const source = image.source;
    if (source.kind !== 'build') {
      throw hostError(
        HostErrorCode.NotImplemented,
        `Downloading images is not implemented yet: "${image.name}" comes from ${source.url}. Only locally built images (vlm-tiny) can be pulled.`,
        { field: '/name' },
      );
    }
    // The catalog is ours, but the path still must stay inside the installation.
    const script = normalize(join(this.options.sourceRoot, source.script));
    if (isAbsolute(source.script) || !script.startsWith(normalize(this.options.sourceRoot) + '/')) {
      throw hostError(HostErrorCode.InternalError, `The catalog's build script ${source.script} is outside ${this.options.sourceRoot}.`);
    }
    if (!(await exists(script))) {
      throw hostError(HostErrorCode.InternalError, `The build script of "${image.name}" is missing: ${script}.`);
    }
    // QEMU runs as its own user and must reach kernels and disks through these folders.
    await mkdir(this.directory, { recursive: true, mode: 0o755 });
    const folder = this.folderOf(image.name);
    this.options.log(`Building image ${image.name} into ${folder}.`);
    const build = { program: 'bash', args: [script, folder], timeoutMs: buildTimeoutMs };
    try {
      requireSuccess(build, await runCommand(build));
    } catch (error) {
      const reason = error instanceof CommandFailedError ? error.message : `${describeCommand(build)}: ${(error as Error).message}`;
      throw hostError(HostErrorCode.InternalError, `Building image ${image.name} failed: ${reason}`);
    }
    return { name: image.name, title: image.title, present: await exists(join(folder, 'manifest.json')) };
  }
}
