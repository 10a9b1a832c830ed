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

test('Hosts view menus match context words by regular expression: the kind first, then what the row can do', () => {
  const items: MenuItem[] = contributes.menus['view/item/context'];
  for (const item of items.filter((candidate) => candidate.when?.includes('view == vlm.labs'))) {
    assert.doesNotMatch(item.when ?? '', /viewItem ==/, `${item.command} matches a whole contextValue`);
    assert.match(
      item.when ?? '',
      /viewItem =~ \/\^(host|lab|vm|labSnapshot|workspaceLab)\\b\//,
      `${item.command} does not name the row kind`,
    );
  }
});

test('no command is switched off by enablement: the trust check is in one place and can offer to trust the folder', () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.match(trust.description, /deploying and destroying labs from lab files are turned off/);
  for (const command of commands) assert.equal((command as { enablement?: string }).enablement, undefined, command.command);
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

test('the Hosts view welcome says why no host is connected, one text per reason, each with the ways out', () => {
  const welcome: { view: string; contents: string; when?: string }[] = contributes.viewsWelcome.filter(
    (entry: { view: string }) => entry.view === 'vlm.labs',
  );
  const kinds = ['no-hosts', 'connecting', 'missing-libvirt', 'socket-permission', 'service-exited', 'no-service', 'unreachable'];
  for (const kind of kinds) {
    const entry = welcome.find((candidate) => candidate.when === `vlm.hostProblem == ${kind}`);
    assert.ok(entry, `no welcome text for ${kind}`);
    for (const link of ['command:vlm.addHost', 'command:vlm.openExampleLab', 'command:vlm.showGettingStarted']) {
      assert.ok(entry.contents.includes(link), `${kind} lacks ${link}`);
    }
  }
});

test('the walkthrough steps complete on context keys the extension sets, and their media exist', () => {
  const [walkthrough] = contributes.walkthroughs;
  assert.equal(walkthrough.id, 'vlm.gettingStarted');
  const source = ['first-run-view.ts', 'lab-actions.ts', 'consoles/console-commands.ts']
    .map((file) => readFileSync(join(extensionFolder, 'src', file), 'utf8'))
    .join('\n');
  for (const step of walkthrough.steps as { id: string; media: { markdown: string }; completionEvents: string[] }[]) {
    assert.ok(existsSync(join(extensionFolder, step.media.markdown)), step.media.markdown);
    for (const event of step.completionEvents) {
      const key = /^onContext:vlm\.(\w+)$/.exec(event)?.[1];
      assert.ok(key, `${step.id} completes on ${event}, not on a context key of the extension`);
      assert.ok(source.includes(`'vlm.${key}'`) || source.includes(`'${key}'`), `nothing sets vlm.${key}`);
    }
  }
  assert.deepEqual(
    walkthrough.steps.map((step: { id: string }) => step.id),
    ['checkHost', 'checkHostSession', 'checkHostMissing', 'addHost', 'openExample', 'deploy', 'openConsole'],
  );
});
