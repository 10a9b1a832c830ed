// The real format of a base image, from its contents (qemu-img's probe), never from its name. A
// disk declared raw whose contents probe as qcow2 (or the reverse) is refused: handing QEMU the
// wrong format either breaks the guest or, for a "raw" file holding a qcow2 header, lets the
// file's contents name other host files as its backing chain. A base image that itself has a
// backing file or an external data file is refused for the same reason.
import { runCommand } from '../process/process-runner';

export type DiskFormat = 'qcow2' | 'raw';

export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
}

const inspectTimeoutMs = 60_000;

interface QemuImgInfo {
  format?: unknown;
  'backing-filename'?: unknown;
  'format-specific'?: { data?: { 'data-file'?: unknown } };
}

/**
 * The disk's format as qemu-img probes it. `declared` (from the catalog or manifest) must match
 * when given. Throws ImageFormatError saying what was found and what is allowed.
 */
export async function inspectDiskFormat(path: string, declared?: DiskFormat): Promise<DiskFormat> {
  // --force-share: running VMs may hold the base image open; info only reads it.
  const command = { program: 'qemu-img', args: ['info', '--output=json', '--force-share', '--', path], timeoutMs: inspectTimeoutMs };
  const result = await runCommand(command).catch((error: Error) => {
    throw new ImageFormatError(
      `${error.message} (qemu-img is in Debian's qemu-utils: apt-get install -y --no-install-recommends qemu-utils)`,
    );
  });
  if (result.exitCode !== 0)
    throw new ImageFormatError(`qemu-img cannot read the image ${path}: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
  let info: QemuImgInfo;
  try {
    info = JSON.parse(result.stdout) as QemuImgInfo;
  } catch {
    throw new ImageFormatError(`qemu-img info gave no JSON for ${path}`);
  }
  const format = info.format;
  if (format !== 'qcow2' && format !== 'raw') {
    throw new ImageFormatError(`The image ${path} is ${typeof format === 'string' ? format : 'of an unknown format'}; allowed: qcow2, raw`);
  }
  if (declared !== undefined && declared !== format) {
    throw new ImageFormatError(
      `The image ${path} is declared ${declared} but its contents are ${format}; fix the catalog's format or the file`,
    );
  }
  if (info['backing-filename'] !== undefined) {
    throw new ImageFormatError(
      `The image ${path} has a backing file of its own (${String(info['backing-filename'])}); a base image must be self-contained`,
    );
  }
  if (info['format-specific']?.data?.['data-file'] !== undefined) {
    throw new ImageFormatError(`The image ${path} keeps its data in an external file; a base image must be self-contained`);
  }
  return format;
}
