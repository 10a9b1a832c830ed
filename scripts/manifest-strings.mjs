// `node scripts/manifest-strings.mjs`: moves the words of extension/package.json that VS Code
// shows (the extension's name and description, command titles and categories, view and view
// container names, the settings' title) into extension/package.nls.json, leaving `%key%` in
// their place, so that translations (package.nls.<locale>.json) can follow. Run it after adding
// commands: it only moves literal strings, keeps existing keys, and drops keys no longer used.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './paths.mjs';

const manifestPath = join(repositoryRoot, 'extension', 'package.json');
const stringsPath = join(repositoryRoot, 'extension', 'package.nls.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
let strings = {};
try {
  strings = JSON.parse(readFileSync(stringsPath, 'utf8'));
} catch {
  // No strings yet.
}
const used = new Set();

/** Puts `object[field]` into the strings under `key` (unless it already is a %key%). */
function move(object, field, key) {
  const value = object?.[field];
  if (typeof value !== 'string') return;
  const existing = /^%([^%]+)%$/.exec(value);
  if (existing) {
    used.add(existing[1]);
    return;
  }
  if (strings[key] !== undefined && strings[key] !== value) throw new Error(`${key} is already "${strings[key]}", not "${value}"`);
  strings[key] = value;
  used.add(key);
  object[field] = `%${key}%`;
}

const contributes = manifest.contributes;
move(manifest, 'displayName', 'displayName');
move(manifest, 'description', 'description');
for (const command of contributes.commands ?? []) {
  move(command, 'title', `command.${command.command}`);
  move(command, 'shortTitle', `command.${command.command}.short`);
  move(command, 'category', command.category === 'Virtual Labs' ? 'category' : `command.${command.command}.category`);
}
for (const container of Object.values(contributes.viewsContainers ?? {}).flat()) move(container, 'title', `viewsContainer.${container.id}`);
for (const view of Object.values(contributes.views ?? {}).flat()) {
  move(view, 'name', `view.${view.id}`);
  move(view, 'contextualTitle', view.contextualTitle === 'Virtual Labs' ? 'category' : `view.${view.id}.contextualTitle`);
}
move(contributes.configuration, 'title', 'configuration.title');

const sorted = Object.fromEntries(
  Object.keys(strings)
    .filter((key) => used.has(key))
    .sort()
    .map((key) => [key, strings[key]]),
);
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(stringsPath, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} strings in extension/package.nls.json.`);
