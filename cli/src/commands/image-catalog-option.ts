// `vlm validate --catalog FILE`: images a host added to its catalog, so labs that use them are
// not reported as using unknown images.
import Ajv from 'ajv';
import { builtInImageCatalog, imageCatalogSchema, type ImageCatalog } from '@vlm/schemas';
import { UsageError } from '../exit-codes';
import { printable } from '../diagnostic-report';
import { readTextFile } from '../read-text-file';

const shownErrors = 3;

function parseCatalog(path: string, text: string): ImageCatalog {
  const shown = `'${printable(path)}'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the image catalog ${shown} is not JSON: ${error instanceof Error ? error.message : String(error)}.`, 'validate');
  }
  const validateCatalog = new Ajv({ allErrors: true, strict: false }).compile<ImageCatalog>(imageCatalogSchema);
  if (!validateCatalog(value)) {
    const errors = validateCatalog.errors ?? [];
    const listed = errors
      .slice(0, shownErrors)
      .map((error) => `${error.instancePath || '(the top level)'} ${error.message ?? 'is not valid'}`)
      .join('; ');
    const more = errors.length > shownErrors ? ` (and ${errors.length - shownErrors} more)` : '';
    throw new UsageError(
      `the image catalog ${shown} does not match the image catalog schema: ${listed}${more}.`,
      'validate',
    );
  }
  return value;
}

/** The built-in images plus those of the --catalog file, or undefined when none was given. */
export async function catalogFrom(path: string | undefined): Promise<ImageCatalog | undefined> {
  if (path === undefined) return undefined;
  if (path === '-') throw new UsageError("--catalog needs a file; '-' (standard input) is for labs.", 'validate');
  const read = await readTextFile(path, process.stdin);
  if ('problem' in read) throw new UsageError(`cannot read the image catalog '${printable(path)}': ${read.problem}.`, 'validate');
  const added = parseCatalog(path, read.text);
  const builtInNames = new Set(builtInImageCatalog.images.map((image) => image.name));
  return { images: [...builtInImageCatalog.images, ...added.images.filter((image) => !builtInNames.has(image.name))] };
}
