// esbuild plugin for the vlm bundle. Two modules of yaml-language-server's language service take
// a few message classes (NotificationType, RequestType, ResponseError, ErrorCodes) from the whole
// vscode-languageserver(-protocol) package: its Node server, transports and node:crypto, over
// 10 ms of every `vlm validate`, for a command that opens no connection. Here they take them from
// vscode-jsonrpc's message module, the very one those packages re-export. The build fails loudly
// if either module starts to use anything else.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const serviceFolder = String.raw`yaml-language-server[\\/]out[\\/]server[\\/]src[\\/]`;
const modules = new RegExp(`${serviceFolder}(requestTypes|languageservice[\\\\/]services[\\\\/]yamlRename)\\.js$`);
const messageClasses = new Set(['NotificationType', 'RequestType', 'ResponseError', 'ErrorCodes']);
const packageImport = /const (vscode_languageserver(?:_protocol)?_1) = require\("(vscode-languageserver(?:-protocol)?)"\);/;

export function requestTypesWithoutServer() {
  return {
    name: 'request-types-without-server',
    setup(build) {
      build.onLoad({ filter: modules }, async (file) => {
        const source = await readFile(file.path, 'utf8');
        const found = source.match(packageImport);
        const [statement, binding, packageName] = found ?? [];
        const used = new Set([...source.matchAll(new RegExp(`${binding}\\.([A-Za-z0-9_]+)`, 'g'))].map((match) => match[1]));
        if (!statement || source.split(statement).length !== 2 || [...used].some((name) => !messageClasses.has(name))) {
          throw new Error(
            `${file.path} no longer takes only ${[...messageClasses].join(', ')} from ${packageName ?? 'vscode-languageserver'}: ` +
              'update or drop cli/build/request-types-without-server.mjs.',
          );
        }
        // The vscode-jsonrpc that the package itself depends on.
        const fromPackage = createRequire(createRequire(file.path).resolve(`${packageName}/package.json`));
        const messages = dirname(fromPackage.resolve('vscode-jsonrpc/package.json'));
        const replacement = `const ${binding} = require(${JSON.stringify(`${messages}/lib/common/messages.js`)});`;
        return { contents: source.replace(statement, replacement), loader: 'js' };
      });
    },
  };
}
