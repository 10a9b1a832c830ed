// esbuild plugin for the vlm bundle. Each cloud provider brings an SDK of megabytes, which node
// would parse on every `vlm` start (`vlm validate` included) if it were inside vlm.js. So each
// module that clouds/src/provider-registry.ts imports on demand is built as its own file,
// dist/cloud-providers/<folder>.js, and vlm.js imports that file only when the provider is used.
// CloudError is recognised across the two copies by its brand (see clouds/src/cloud-errors.ts).
import { basename, dirname, join, resolve, sep } from 'node:path';

const registry = `${sep}clouds${sep}src${sep}provider-registry.ts`;
/** Cloud spend loads Cost Explorer's SDK only for AWS accounts: its own file too, named for the module. */
const cloudSpend = `${sep}clouds${sep}src${sep}cloud-spend.ts`;

export function cloudProviderBundles() {
  return {
    name: 'cloud-provider-bundles',
    setup(build) {
      const { outfile } = build.initialOptions;
      // require() rather than import(): through import(), node scans the whole CommonJS file for
      // its export names first (over a second for an SDK of megabytes).
      build.initialOptions.supported = { ...build.initialOptions.supported, 'dynamic-import': false };
      const separate = new Map();
      build.onResolve({ filter: /^\.\/[a-z]+\/[a-z-]+\.js$/ }, (file) => {
        const fromRegistry = file.importer.endsWith(registry);
        if (!(fromRegistry || file.importer.endsWith(cloudSpend)) || file.kind !== 'dynamic-import') return undefined;
        const source = resolve(dirname(file.importer), file.path.replace(/\.js$/, '.ts'));
        const name = fromRegistry ? basename(dirname(source)) : basename(source, '.ts');
        separate.set(name, source);
        return { path: `./cloud-providers/${name}.js`, external: true };
      });
      build.onEnd(async (result) => {
        if (result.errors.length > 0) return;
        const { build: buildBundle } = await import('esbuild');
        await Promise.all(
          [...separate].map(([name, source]) =>
            buildBundle({
              entryPoints: [source],
              outfile: join(dirname(outfile), 'cloud-providers', `${name}.js`),
              bundle: true,
              platform: 'node',
              target: 'node20',
              format: 'cjs',
              sourcemap: true,
              logLevel: 'warning',
            }),
          ),
        );
      });
    },
  };
}
