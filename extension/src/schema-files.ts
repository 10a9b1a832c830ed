// Which schema files the `vlm-schema:` scheme serves, so that a lab file's `$schema` (or any
// YAML/JSON tool in VS Code) resolves the lab schema offline, from the copy the extension ships.
// No `vscode` import: unit-tested.

export const schemaScheme = 'vlm-schema';

/** The URI a lab file names in `# yaml-language-server: $schema=...` or a JSON file in `$schema`. */
export const labSchemaUri = `${schemaScheme}:/lab/v1/lab.schema.json`;

/** Served paths, and their files under the extension's folder. Nothing else is readable. */
const servedFiles: ReadonlyMap<string, string> = new Map([['/lab/v1/lab.schema.json', 'dist/schemas/lab.schema.json']]);

/** The extension-relative file behind a `vlm-schema:` path, or undefined for any other path. */
export function schemaFileOf(path: string): string | undefined {
  return servedFiles.get(path);
}

/** The folders a `vlm-schema:` path may name (for stat and directory listings). */
export function schemaFolderEntries(path: string): string[] | undefined {
  const folder = path.endsWith('/') ? path : `${path}/`;
  const children = new Set<string>();
  for (const served of servedFiles.keys()) {
    if (served.startsWith(folder)) children.add(served.slice(folder.length).split('/')[0] ?? '');
  }
  return children.size > 0 ? [...children] : undefined;
}
