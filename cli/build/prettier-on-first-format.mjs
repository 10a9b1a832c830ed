// esbuild plugin for the vlm bundle and the editor's language server. yaml-language-server's
// formatter loads prettier and two of its plugins when its module loads, about 600 KB of code set
// up on every `vlm` run and at the editor's first hover or completion, and neither formats. Here
// the formatter loads them the first time it formats, and formats as before. The build fails
// loudly if the module starts to use them in any other way.
import { readFile } from 'node:fs/promises';

const formatterModule = /yaml-language-server[\\/]out[\\/]server[\\/]src[\\/]languageservice[\\/]services[\\/]yamlFormatter\.js$/;

// Each import, and each of its uses, as the module writes them.
const imports = [
  { binding: 'yamlPlugin', statement: 'const yamlPlugin = __importStar(require("prettier/plugins/yaml"));' },
  { binding: 'estreePlugin', statement: 'const estreePlugin = __importStar(require("prettier/plugins/estree"));' },
  { binding: 'standalone_1', statement: 'const standalone_1 = require("prettier/standalone");' },
];

export function prettierOnFirstFormat() {
  return {
    name: 'prettier-on-first-format',
    setup(build) {
      build.onLoad({ filter: formatterModule }, async (file) => {
        let source = await readFile(file.path, 'utf8');
        const loaders = [];
        for (const { binding, statement } of imports) {
          const uses = source.split(new RegExp(`\\b${binding}\\b`)).length - 1;
          if (source.split(statement).length !== 2 || uses !== 2) {
            throw new Error(
              `${file.path} no longer imports and uses ${binding} once as this plugin expects: update or drop cli/build/prettier-on-first-format.mjs.`,
            );
          }
          loaders.push(`${binding}: ${statement.slice(statement.indexOf('=') + 1, -1).trim()}`);
          // The first import's place takes the loader (after "use strict"), the others go.
          source = source.replace(statement, binding === imports[0].binding ? '/* prettier loader */' : '');
          source = source.replace(new RegExp(`\\b${binding}\\b`), `prettier().${binding}`);
        }
        const loader = `let prettierModules;\nconst prettier = () => (prettierModules ??= { ${loaders.join(', ')} });\n`;
        return { contents: source.replace('/* prettier loader */', loader), loader: 'js' };
      });
    },
  };
}
