// The manifest is what VS Code reads before any of the extension's code runs: check that its
// parts agree with each other and with the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const extensionFolder = join(__dirname, '..');
const strings = JSON.parse(readFileSync(join(extensionFolder, 'package.nls.json'), 'utf8')) as Record<string, string>;
/** The manifest as VS Code shows it in English: every %key% replaced by its string. */
const manifest = JSON.parse(readFileSync(join(extensionFolder, 'package.json'), 'utf8'), (_key, value: unknown) =>
  typeof value === 'string' && /^%[^%]+%$/.test(value) ? (strings[value.slice(1, -1)] ?? value) : value,
);
const contributes = manifest.contributes;
const sources = (readdirSync(join(extensionFolder, 'src'), { recursive: true }) as string[])
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(extensionFolder, 'src', file), 'utf8'))
  .join('\n');

interface CommandContribution {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface MenuItem {
  command: string;
  when?: string;
}

const commands: CommandContribution[] = contributes.commands;
const declared = new Set(commands.map((command) => command.command));

test('never activates on startup; lists only the activation events VS Code does not derive from contributions', () => {
  const events: string[] = manifest.activationEvents;
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'));
  // VS Code 1.74 and later activate on contributed commands, views and languages by themselves.
  assert.ok(manifest.engines.vscode.startsWith('^1.') && Number(manifest.engines.vscode.split('.')[1]) >= 74);
  const contributedViews = Object.values(contributes.views as Record<string, { id: string }[]>)
    .flat()
    .map((view) => view.id);
  const contributedLanguages = (contributes.languages as { id: string }[]).map((language) => language.id);
  for (const event of events) {
    const [kind, target] = event.split(':');
    assert.ok(kind !== 'onCommand', `${event} is derived from the contributed command`);
    assert.ok(!(kind === 'onView' && contributedViews.includes(target ?? '')), `${event} is derived from the contributed view`);
    assert.ok(!(kind === 'onLanguage' && contributedLanguages.includes(target ?? '')), `${event} is derived from the language`);
  }
  assert.ok(events.includes('workspaceContains:**/*.lab.yaml'));
  assert.ok(events.includes('onFileSystem:vlm-schema'));
  assert.equal(manifest.main, './dist/extension.js');
});

test('every command has a category, a codicon and a handler', () => {
  for (const command of commands) {
    assert.equal(command.category, 'Virtual Labs', command.command);
    assert.match(command.icon ?? '', /^\$\([a-z-]+\)$/, command.command);
    assert.ok(sources.includes(`'${command.command}'`), `${command.command} is not registered in src/`);
  }
});

test('menus name only declared commands', () => {
  for (const [menu, items] of Object.entries(contributes.menus as Record<string, MenuItem[]>)) {
    for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
  }
});

test('tree menus match the contextValues the tree gives its rows', () => {
  const model = readFileSync(join(extensionFolder, 'src', 'labs-tree-model.ts'), 'utf8');
  const items: MenuItem[] = contributes.menus['view/item/context'];
  const matched = new Set(items.flatMap((item) => [...(item.when ?? '').matchAll(/viewItem == (\w+)/g)].map((match) => match[1])));
  assert.deepEqual([...matched].sort(), [
    'connectedHost',
    'disconnectedHost',
    'incompleteLabSnapshot',
    'lab',
    'labSnapshot',
    'pausedVm',
    'runningVm',
    'stoppedVm',
    'stoppingVm',
  ]);
  for (const value of matched) assert.ok(model.includes(`'${value}'`), `no row has contextValue ${value}`);
});

test('deploy, destroy and the VM actions are off in untrusted folders, and the manifest says why', () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.match(trust.description, /deploying, destroying and running commands in VMs are turned off/);
  for (const command of commands) {
    // Copying a command line runs nothing.
    const runsSomething =
      /^vlm\.(deploy|destroy|vm\.|lab\.openAllConsoles$|lab\.(snapshot|revert)$|labSnapshot\.)/.test(command.command) &&
      command.command !== 'vlm.vm.copySshCommand';
    const enablement = (command as { enablement?: string }).enablement;
    assert.equal(enablement === 'isWorkspaceTrusted', runsSomething, command.command);
  }
});

test('every setting is vlm.-prefixed and described', () => {
  for (const [key, setting] of Object.entries(contributes.configuration.properties as Record<string, Record<string, unknown>>)) {
    assert.match(key, /^vlm\./);
    assert.ok(typeof (setting.description ?? setting.markdownDescription) === 'string', `${key} has no description`);
  }
});

test('lab files have their own language, and the view its welcome with links', () => {
  const [language] = contributes.languages;
  assert.equal(language.id, 'vlm-lab');
  assert.deepEqual(language.filenamePatterns, ['*.lab.yaml', '*.lab.yml']);
  const welcome = contributes.viewsWelcome.find((entry: { view: string }) => entry.view === 'vlm.labs');
  assert.match(welcome.contents, /\[Add Host\]\(command:vlm\.addHost\)/);
  assert.match(welcome.contents, /\[Open Example Lab\]\(command:vlm\.openExampleLab\)/);
});

test('every file the manifest points at exists', () => {
  const paths = [
    manifest.icon,
    contributes.viewsContainers.activitybar[0].icon,
    contributes.languages[0].configuration,
    contributes.grammars[0].path,
    'README.md',
    'LICENSE',
  ];
  for (const path of paths) assert.ok(existsSync(join(extensionFolder, path)), path);
});

test('the dashboard commands are in the Command Palette before activation, and running one activates the extension', () => {
  // VS Code lists a contributed command in the palette before activating its extension unless a
  // commandPalette `when` hides it; running it activates the extension (onCommand, derived from
  // the contribution).
  const palette: MenuItem[] = contributes.menus.commandPalette;
  const dashboard = commands.filter(
    (command) =>
      /^vlm\.(open[A-Z]\w*|exportDashboardData|importDashboardData)$/.test(command.command) && command.command !== 'vlm.openExampleLab',
  );
  assert.ok(dashboard.some((command) => command.command === 'vlm.openExpenses'));
  assert.ok(dashboard.some((command) => command.command === 'vlm.importDashboardData'));
  for (const { command } of dashboard) {
    assert.ok(!palette.some((item) => item.command === command && item.when !== undefined), `${command} is hidden from the palette`);
    assert.ok(declared.has(command), `${command} does not activate the extension`);
  }
});
