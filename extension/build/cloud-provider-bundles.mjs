// The cloud providers' SDKs (AWS, Azure, Google…) are megabytes of code: in the extension's main
// bundle they would be parsed at every activation, cloud accounts or not. So each provider module
// the registry imports on demand becomes a bundle of its own beside extension.js, loaded by that
// import on first use; cloud-errors.js is one shared bundle, so a provider's CloudError is the
// class the tree checks with instanceof.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// Go regular expressions (esbuild's) have no back-references: the folder and file are matched apart.
const providerImport = /^\.\/([a-z]+)\/([a-z]+)-provider\.js$/;
const cloudErrors = /(^|\/)cloud-errors(\.js)?$/;

/** For the main bundle and each provider bundle: provider modules and cloud-errors stay outside. */
export function cloudProvidersOutside() {
  return {
    name: 'cloud-providers-outside',
    setup(build) {
      build.onResolve({ filter: providerImport }, (args) => ({
        path: `./cloud-provider-${providerImport.exec(args.path)[1]}.js`,
        external: true,
      }));
      build.onResolve({ filter: cloudErrors }, () => ({ path: './cloud-errors.js', external: true }));
    },
  };
}

/** The bundles beside extension/dist/extension.js: cloud-errors.js and one per provider folder of clouds/src. */
export function cloudProviderBundles(repositoryRoot) {
  const source = join(repositoryRoot, 'clouds', 'src');
  const providers = readdirSync(source, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => readdirSync(join(source, name)).includes(`${name}-provider.ts`));
  return [
    { entry: 'clouds/src/cloud-errors.ts', outfile: 'extension/dist/cloud-errors.js' },
    ...providers.map((name) => ({
      entry: `clouds/src/${name}/${name}-provider.ts`,
      outfile: `extension/dist/cloud-provider-${name}.js`,
      external: ['cpu-features'],
      plugins: [cloudProvidersOutside()],
    })),
  ];
}
