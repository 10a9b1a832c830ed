// The images this host offers: the built-in catalog plus the host's own catalog file
// (DATA_DIR/image-catalog.json), checked against the image catalog schema. A built-in image keeps
// its name: a host entry of the same name is ignored, as `vlm validate --catalog` does.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv';
import { builtInImageCatalog, imageCatalogSchema, type ImageCatalog } from '@vlm/schemas';

export const hostCatalogFileName = 'image-catalog.json';
const shownErrors = 3;

const validateCatalog = new Ajv({ allErrors: true, strict: false }).compile<ImageCatalog>(imageCatalogSchema);

export class HostCatalogError extends Error {
  override readonly name = 'HostCatalogError';
}

export function parseHostCatalog(path: string, text: string): ImageCatalog {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HostCatalogError(`The host image catalog ${path} is not JSON: ${(error as Error).message}.`);
  }
  if (!validateCatalog(value)) {
    const errors = validateCatalog.errors ?? [];
    const listed = errors
      .slice(0, shownErrors)
      .map((error) => `${error.instancePath || '(the top level)'} ${error.message ?? 'is not valid'}`)
      .join('; ');
    const more = errors.length > shownErrors ? ` (and ${errors.length - shownErrors} more)` : '';
    throw new HostCatalogError(`The host image catalog ${path} does not match the image catalog schema: ${listed}${more}.`);
  }
  return value;
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
  const added = parseHostCatalog(path, text);
  const builtInNames = new Set(builtInImageCatalog.images.map((image) => image.name));
  const ignored = added.images.filter((image) => builtInNames.has(image.name)).map((image) => image.name);
  if (ignored.length > 0) log(`${path}: ${ignored.join(', ')} ${ignored.length === 1 ? 'is a built-in image' : 'are built-in images'}; the built-in entry is used.`);
  return { images: [...builtInImageCatalog.images, ...added.images.filter((image) => !builtInNames.has(image.name))] };
}
