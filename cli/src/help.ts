// Help text for the tool and for each command, built from the command table.
import type { Command, OptionSpec } from './command-table';

export const toolName = 'vlm';

export function commandName(command: Command): string {
  return [toolName, ...command.words].join(' ');
}

function optionLabel(option: OptionSpec): string {
  const short = option.short ? `-${option.short}, ` : '    ';
  const value = option.valueName ? ` ${option.valueName}` : '';
  return `${short}--${option.name}${value}`;
}

function twoColumns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

export function commandHelp(command: Command): string {
  const optionRows = command.options.map((option): [string, string] => {
    const extras: string[] = [];
    if (option.allowedValues) extras.push(`one of: ${option.allowedValues.join(', ')}`);
    if (option.defaultValue !== undefined) extras.push(`default: ${option.defaultValue}`);
    const suffix = extras.length > 0 ? ` (${extras.join('; ')})` : '';
    return [optionLabel(option), `${option.description}${suffix}`];
  });
  return [
    `Usage: ${commandName(command)} [options] ${command.operandsUsage}`.trimEnd(),
    '',
    command.summary,
    '',
    ...command.details.flatMap((paragraph) => [paragraph, '']),
    'Options:',
    ...twoColumns(optionRows),
    '',
  ].join('\n');
}

export function toolHelp(commands: readonly Command[], version: string): string {
  const commandRows = commands.map((command): [string, string] => [command.words.join(' '), command.summary]);
  return [
    `Usage: ${toolName} <command> [options] [arguments]`,
    '',
    `Virtual Lab Manager command line, version ${version}.`,
    '',
    'Commands:',
    ...twoColumns(commandRows),
    '',
    'Options:',
    ...twoColumns([
      ['-h, --help', "Show this help, or a command's help after the command."],
      ['    --version', 'Print the version and exit.'],
    ]),
    '',
    `Run '${toolName} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}

/** Help of a group such as `vlm lab`: its subcommands. */
export function groupHelp(group: string, members: readonly Command[]): string {
  const rows = members.map((command): [string, string] => [command.words.slice(1).join(' '), command.summary]);
  return [
    `Usage: ${toolName} ${group} <command> [options] [arguments]`,
    '',
    'Commands:',
    ...twoColumns(rows),
    '',
    `Run '${toolName} ${group} <command> --help' for a command's options.`,
    '',
  ].join('\n');
}
