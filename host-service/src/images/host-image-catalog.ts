// The images this host offers: the built-in catalog plus the host's own catalog file
// (DATA_DIR/image-catalog.json), checked against the image catalog schema. A built-in image keeps
// its name: a host entry of the same name is ignored, as `vlm validate --catalog` does.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtInImageCatalog, extendBuiltInCatalog, parseImageCatalog, type ImageCatalog } from '@vlm/schemas';

export const hostCatalogFileName = 'image-catalog.json';

export class HostCatalogError extends Error {
  override readonly name = 'HostCatalogError';
}

export function parseHostCatalog(path: string, text: string): ImageCatalog {
  const parsed = parseImageCatalog(text);
  if ('problem' in parsed) throw new HostCatalogError(`The host image catalog ${path} ${parsed.problem}.`);
  return parsed.catalog;
}

/** Built-in images first, then the host's; ignored duplicates are named through `log`. */
export async function loadImageCatalog(dataDirectory: string, log: (line: string) => void): Promise<ImageCatalog> {
  const path = join(dataDirectory, hostCatalogFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return builtInImageCatalog;
    throw new HostCatalogError(`The host image catalog ${path} cannot be read: ${(error as Error).message}.`);
  }
  const { catalog, ignored } = extendBuiltInCatalog(parseHostCatalog(path, text));
  if (ignored.length > 0)
    log(
      `${path}: ${ignored.join(', ')} ${ignored.length === 1 ? 'is a built-in image' : 'are built-in images'}; the built-in entry is used.`,
    );
  return catalog;
}
