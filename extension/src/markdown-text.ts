// Markdown for tooltips whose words come from a host (VM, lab and image names are untrusted): every
// such text goes through `markdownText`, so it can never become a link, HTML or formatting, and the
// only links are the command links built here, to our own commands (see `tooltipCommands`).

/** Commands a tooltip may link to; the MarkdownString trusts these and no others. */
export const tooltipCommands = [
  'vlm.vm.start',
  'vlm.vm.stop',
  'vlm.vm.restart',
  'vlm.vm.resume',
  'vlm.vm.openSerialConsole',
  'vlm.vm.openSshTerminal',
  'vlm.vm.copySshCommand',
  'vlm.showVmDetails',
  'vlm.lab.openAllConsoles',
] as const;

export type TooltipCommand = (typeof tooltipCommands)[number];

/**
 * Text shown as itself: every ASCII punctuation character is backslash-escaped (CommonMark shows
 * it literally, so no `[link](…)`, `<tag>`, `*emphasis*`, autolink `http://` or entity survives), and
 * line breaks become spaces, so a name cannot start a heading or a list.
 */
export function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/**
 * A link that runs one of our commands with JSON arguments. The arguments are percent-encoded
 * whole, including the `(`, `)` and `'` that encodeURIComponent leaves, so no name in them ends the link.
 */
export function commandLink(title: string, command: TooltipCommand, args: unknown): string {
  return commandLinkWithQuery(title, command, commandQuery(args));
}

/** The link's query for `args`, made once when several links take the same arguments. */
export function commandQuery(args: unknown): string {
  return encodeURIComponent(JSON.stringify(args)).replace(
    /[()'!*~]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function commandLinkWithQuery(title: string, command: TooltipCommand, query: string): string {
  return `[${markdownText(title)}](command:${command}?${query})`;
}

/** Lines of Markdown shown one under the other (hard line breaks), empty ones left out. */
export function markdownLines(lines: readonly (string | undefined | false)[]): string {
  return lines.filter((line): line is string => typeof line === 'string' && line !== '').join('  \n');
}
