// esbuild plugin for the vlm bundle. When its module loads, yaml-language-server compiles the
// meta-schemas of four JSON Schema drafts with ajv: about 90 ms, a third of `vlm validate` on a
// small lab. Lab schemas are draft-07, so this makes each meta-schema compile on first use
// instead (ajv caches the compiled validator). The build fails loudly if the source has changed
// shape, rather than shipping an unpatched or half-patched module.
import { readFile } from 'node:fs/promises';

const schemaServiceFile = /yaml-language-server[\\/]out[\\/]server[\\/]src[\\/]languageservice[\\/]services[\\/]yamlSchemaService\.js$/;

/** Draft suffix of each validator constant, and the ajv instance it is compiled with. */
const drafts = [
  { validator: 'schema04Validator', ajv: 'ajv4' },
  { validator: 'schema07Validator', ajv: 'ajv7' },
  { validator: 'schema2019Validator', ajv: 'ajv2019' },
  { validator: 'schema2020Validator', ajv: 'ajv2020' },
];

export function lazyMetaSchemaValidators() {
  return {
    name: 'lazy-meta-schema-validators',
    setup(build) {
      build.onLoad({ filter: schemaServiceFile }, async (file) => {
        let source = await readFile(file.path, 'utf8');
        for (const { validator, ajv } of drafts) {
          const eager = `const ${validator} = getDefaultMetaSchemaValidator(${ajv});`;
          const use = `return ${validator};`;
          if (source.split(eager).length !== 2 || source.split(use).length !== 2) {
            throw new Error(
              `${file.path} no longer has exactly one "${eager}" and one "${use}": ` +
                'yaml-language-server changed; update or drop cli/build/lazy-meta-schema-validators.mjs.',
            );
          }
          source = source.replace(eager, '').replace(use, `return getDefaultMetaSchemaValidator(${ajv});`);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}
