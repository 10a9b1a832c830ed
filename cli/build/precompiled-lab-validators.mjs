// esbuild plugin for the vlm bundle. language-server/src/lab-schema-validators.ts compiles the
// lab schema's validators with ajv on first use, after compiling the draft-07 meta-schema that
// checks the schema: about 40 ms of every `vlm validate`. Here that module becomes the same
// validators generated as code at build time, from the module's own ajv set-up, so the CLI and
// the language server check labs with one set of rules and report the same errors.
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const validatorsModule = /language-server[\\/]src[\\/]lab-schema-validators\.ts$/;
const inlinedKey = 'vlm:lab-inlined';

/** The validators' ajv set-up and the schema walks, run as Node runs them; ajv stays outside, so
 * the code generator below works on the same ajv classes. */
async function loadSetup(folder) {
  const { build } = await import('esbuild');
  const entry =
    "export { labSchemaAjv } from './lab-schema-validators';\n" +
    "export { inlineReferences, oneOfBranchPointers } from './lab-schema-references';\n" +
    "export { labSchema, labSchemaId } from '@vlm/schemas';\n";
  const compiled = await build({
    stdin: { contents: entry, resolveDir: folder, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    external: ['ajv', 'ajv/*'],
  });
  // Beside the source, so the module finds the same node_modules.
  const modulePath = join(folder, `.lab-schema-validators.${process.pid}.cjs`);
  try {
    writeFileSync(modulePath, compiled.outputFiles[0].text);
    return createRequire(modulePath)(modulePath);
  } finally {
    rmSync(modulePath, { force: true });
  }
}

export function precompiledLabValidators() {
  return {
    name: 'precompiled-lab-validators',
    setup(build) {
      build.onLoad({ filter: validatorsModule }, async (file) => {
        const { labSchemaAjv, inlineReferences, oneOfBranchPointers, labSchema, labSchemaId } = await loadSetup(dirname(file.path));
        const standaloneCode = createRequire(file.path)('ajv/dist/standalone').default;
        const ajv = labSchemaAjv({ code: { source: true, esm: true } });
        ajv.addSchema(inlineReferences(labSchema), inlinedKey);
        const pointers = oneOfBranchPointers();
        const names = { lab: inlinedKey };
        for (const [index, pointer] of pointers.entries()) names[`branch${index}`] = `${labSchemaId}#${pointer}`;
        const branches = pointers.map((pointer, index) => `[${JSON.stringify(pointer)}, branch${index}]`);
        const contents =
          `${standaloneCode(ajv, names)}\n` +
          `const branches = new Map([${branches.join(', ')}]);\n` +
          'export function labValidator() { return lab; }\n' +
          'export function branchValidator(pointer) {\n' +
          '  const validator = branches.get(pointer);\n' +
          // biome-ignore lint/suspicious/noTemplateCurlyInString: generated code's own template
          '  if (!validator) throw new Error(`the lab schema has no ${pointer}`);\n' +
          '  return validator;\n' +
          '}\n';
        return { contents, loader: 'js', resolveDir: dirname(file.path) };
      });
    },
  };
}
