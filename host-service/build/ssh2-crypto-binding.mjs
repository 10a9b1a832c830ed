// esbuild plugin for every bundle that holds ssh2. ssh2 loads its optional native crypto binding
// (built by its install script when a compiler is present) with a relative require that cannot
// resolve inside a bundle, and esbuild refuses a .node file. The require is kept external as
// `./sshcrypto.node`, and the built binding is copied beside the bundle; when it was not built,
// no copy lands there, the require throws, and ssh2 falls back to its JavaScript crypto.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The file name beside the bundle, and where ssh2's install script builds it. */
export const bindingFileName = 'sshcrypto.node';

/** The binding ssh2's install script built, or undefined when it did not (no compiler, scripts off). */
export function builtSsh2Binding() {
  const require = createRequire(import.meta.url);
  const ssh2Folder = dirname(require.resolve('ssh2/package.json'));
  const built = join(ssh2Folder, 'lib', 'protocol', 'crypto', 'build', 'Release', bindingFileName);
  return existsSync(built) ? built : undefined;
}

export function ssh2CryptoBinding() {
  return {
    name: 'ssh2-crypto-binding',
    setup(build) {
      const { outfile } = build.initialOptions;
      let used = false;
      build.onResolve({ filter: /[\\/]sshcrypto\.node$/ }, () => {
        used = true;
        return { path: `./${bindingFileName}`, external: true };
      });
      build.onEnd((result) => {
        if (result.errors.length > 0 || !used) return;
        const target = join(dirname(outfile), bindingFileName);
        const built = builtSsh2Binding();
        // A copy from an earlier build would be used even though this machine's build has none.
        if (built) copyFileSync(built, target);
        else rmSync(target, { force: true });
      });
    },
  };
}
