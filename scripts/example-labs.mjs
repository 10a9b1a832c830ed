// npm start opens a copy of the example labs, never the checkout's own schemas/examples: edits
// stay in the copy, and VS Code sees no git repository around it. The copy is kept between runs
// (the user's edits with it); example files it lacks are added, none is overwritten.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Copies what `folder` lacks of the example labs into it; returns the names it added. */
export function copyExampleLabs(examplesFolder, folder) {
  mkdirSync(folder, { recursive: true, mode: 0o755 });
  const added = [];
  for (const name of readdirSync(examplesFolder)) {
    if (!/\.lab\.ya?ml$/.test(name)) continue;
    const target = join(folder, name);
    if (existsSync(target)) continue;
    copyFileSync(join(examplesFolder, name), target);
    added.push(name);
  }
  return added;
}

/** Where the copy lives: beside the host's data folder, in the user's (or root's) own state. */
export function exampleLabsFolder(dataFolder) {
  return `${dataFolder}-labs`;
}
