// esbuild plugin for the webview bundles. A webview's CSP forbids eval, which ajv's compile needs,
// so the module that compiles the panel-message validators is replaced by the same validators
// generated as code at build time. Both come from one ajv set-up (panelMessagesAjv), so the
// extension and the panels check messages the same way.
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const validatorsModule = /schemas[\\/]src[\\/]panel-messages[\\/]panel-message-validators\.ts$/;

export function standaloneValidators() {
  return {
    name: 'standalone-validators',
    setup(build) {
      build.onLoad({ filter: validatorsModule }, async (file) => {
        const { build: bundle } = await import('esbuild');
        // Load the TypeScript module as Node would run it, to reuse its ajv set-up and names.
        // ajv stays outside, so the code generator below works on the same ajv classes.
        const compiled = await bundle({
          entryPoints: [file.path],
          bundle: true,
          platform: 'node',
          format: 'cjs',
          write: false,
          packages: 'external',
        });
        // Beside the source, so the module finds the same node_modules.
        const modulePath = join(dirname(file.path), `.panel-message-validators.${process.pid}.cjs`);
        let source;
        try {
          writeFileSync(modulePath, compiled.outputFiles[0].text);
          const loaded = createRequire(modulePath)(modulePath);
          const standaloneCode = createRequire(file.path)('ajv/dist/standalone').default;
          const ajv = loaded.panelMessagesAjv({ code: { source: true, esm: true } });
          const schemaId = ajv.getSchema(Object.keys(ajv.schemas).find((key) => key.startsWith('https://')))?.schema.$id;
          const names = loaded.panelMessageDefinitions;
          const references = Object.fromEntries(names.map((name) => [name, `${schemaId}#/definitions/${name}`]));
          source =
            `${standaloneCode(ajv, references)}\n` +
            `export const panelMessageDefinitions = ${JSON.stringify(names)};\n` +
            `export const panelMessageValidators = { ${names.join(', ')} };\n`;
        } finally {
          rmSync(modulePath, { force: true });
        }
        return { contents: source, loader: 'js', resolveDir: dirname(file.path) };
      });
    },
  };
}
