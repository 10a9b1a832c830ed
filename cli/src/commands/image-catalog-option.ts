// `vlm validate --catalog FILE`: images a host added to its catalog, so labs that use them are
// not reported as using unknown images.
import { extendBuiltInCatalog, parseImageCatalog, type ImageCatalog } from '@vlm/schemas';
import { UsageError } from '../exit-codes';
import { printable } from '../diagnostic-report';
import { readTextFile } from '../read-text-file';

/** The built-in images plus those of the --catalog file, or undefined when none was given. */
export async function catalogFrom(path: string | undefined): Promise<ImageCatalog | undefined> {
  if (path === undefined) return undefined;
  if (path === '-') throw new UsageError("--catalog needs a file; '-' (standard input) is for labs.", 'validate');
  const read = await readTextFile(path, process.stdin);
  if ('problem' in read) throw new UsageError(`cannot read the image catalog '${printable(path)}': ${read.problem}.`, 'validate');
  const parsed = parseImageCatalog(read.text);
  if ('problem' in parsed) throw new UsageError(`the image catalog '${printable(path)}' ${parsed.problem}.`, 'validate');
  return extendBuiltInCatalog(parsed.catalog).catalog;
}
