// Reading a host's own image catalog and adding it to the built-in one. The CLI (`--catalog`)
// and the host service (DATA_DIR/image-catalog.json) share these rules.
import Ajv from 'ajv';
import imageCatalogSchemaJson from '../image-catalog.schema.json';
import imageCatalogJson from '../image-catalog.json';
import type { ImageCatalog } from './generated-types';

/** The built-in catalog. A host may extend it with images of its own. */
export const builtInImageCatalog: ImageCatalog = imageCatalogJson as ImageCatalog;

const shownErrors = 3;
let validateCatalog: ReturnType<typeof compileCatalogValidator> | undefined;

function compileCatalogValidator() {
  return new Ajv({ allErrors: true, strict: false }).compile<ImageCatalog>(imageCatalogSchemaJson);
}

/** A catalog file's text, checked against the catalog schema; a problem reads after the file's name. */
export function parseImageCatalog(text: string): { catalog: ImageCatalog } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  validateCatalog ??= compileCatalogValidator();
  if (validateCatalog(value)) return { catalog: value };
  const errors = validateCatalog.errors ?? [];
  const listed = errors
    .slice(0, shownErrors)
    .map((error) => `${error.instancePath || '(the top level)'} ${error.message ?? 'is not valid'}`)
    .join('; ');
  const more = errors.length > shownErrors ? ` (and ${errors.length - shownErrors} more)` : '';
  return { problem: `does not match the image catalog schema: ${listed}${more}` };
}

/** The built-in images, then the added ones; an added image with a built-in name is ignored. */
export function extendBuiltInCatalog(added: ImageCatalog): { catalog: ImageCatalog; ignored: string[] } {
  const builtInNames = new Set(builtInImageCatalog.images.map((image) => image.name));
  return {
    catalog: { images: [...builtInImageCatalog.images, ...added.images.filter((image) => !builtInNames.has(image.name))] },
    ignored: added.images.filter((image) => builtInNames.has(image.name)).map((image) => image.name),
  };
}
