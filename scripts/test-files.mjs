import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from './paths.mjs';

export const workspaces = [
  'schemas',
  'language-server',
  'host-client',
  'clouds',
  'cli',
  'storage',
  'host-service',
  'extension',
  'webviews',
];

/** Test files of a workspace: every `*.test.ts` under its `test/` folder. */
export function testFiles(workspace) {
  const found = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.test.ts')) found.push(relative(repositoryRoot, path));
    }
  };
  const folder = join(repositoryRoot, workspace, 'test');
  if (existsSync(folder)) walk(folder);
  return found.sort();
}
