// Picks the command from the first words of the command line and runs it.
import packageJson from '../package.json';
import { allCommands } from './commands/all-commands';
import type { Command, CommandOutput } from './command-table';
import { exitCodes, UsageError } from './exit-codes';
import { commandHelp, groupHelp, toolHelp, toolName } from './help';
import { parseArguments } from './parse-arguments';
import { printable } from './diagnostic-report';

export const version: string = packageJson.version;

/** The command whose words start the command line, preferring the longest ('lab up' over 'lab'). */
function findCommand(tokens: readonly string[], commands: readonly Command[]): Command | undefined {
  const matches = commands.filter((command) => command.words.every((word, index) => tokens[index] === word));
  return matches.sort((left, right) => right.words.length - left.words.length)[0];
}

/** Commands of a group such as `lab` (`lab up`, `lab down`); empty when there is no such group. */
function groupMembers(word: string, commands: readonly Command[]): Command[] {
  return commands.filter((command) => command.words.length > 1 && command.words[0] === word);
}

function helpFor(words: readonly string[], commands: readonly Command[]): string | undefined {
  if (words.length === 0) return toolHelp(commands, version);
  const command = commands.find((candidate) => candidate.words.join(' ') === words.join(' '));
  if (command) return commandHelp(command);
  const [group] = words;
  const members = words.length === 1 && group !== undefined ? groupMembers(group, commands) : [];
  return group !== undefined && members.length > 0 ? groupHelp(group, members) : undefined;
}

async function dispatch(tokens: readonly string[], output: CommandOutput, commands: readonly Command[]): Promise<number> {
  const first = tokens[0];
  if (first === undefined) {
    output.stderr(`${toolName}: no command given.\n\n${toolHelp(commands, version)}`);
    return exitCodes.usage;
  }
  if (first === '--help' || first === '-h') {
    output.stdout(toolHelp(commands, version));
    return exitCodes.success;
  }
  if (first === '--version') {
    output.stdout(`${toolName} ${version}\n`);
    return exitCodes.success;
  }
  if (first === 'help') {
    const text = helpFor(tokens.slice(1), commands);
    if (text === undefined) throw new UsageError(`no help for '${tokens.slice(1).join(' ')}': there is no such command.`);
    output.stdout(text);
    return exitCodes.success;
  }
  if (first.startsWith('-')) {
    throw new UsageError(`unknown option '${first}'. Before a command only --help and --version are accepted.`);
  }

  const command = findCommand(tokens, commands);
  if (!command) {
    const members = groupMembers(first, commands);
    if (members.length > 0) {
      const second = tokens[1];
      if (second === '--help' || second === '-h') {
        output.stdout(groupHelp(first, members));
        return exitCodes.success;
      }
      const names = members.map((member) => member.words.slice(1).join(' ')).join(', ');
      const problem = second === undefined ? 'needs a command' : `has no command '${second}'`;
      throw new UsageError(`'${toolName} ${first}' ${problem}. Commands: ${names}.`, first);
    }
    const known = [...new Set(commands.map((candidate) => candidate.words[0]))].join(', ');
    throw new UsageError(`unknown command '${first}'. Commands: ${known}.`);
  }
  const rest = tokens.slice(command.words.length);
  const parsed = parseArguments(rest, command);
  if (parsed.options.has('help')) {
    output.stdout(commandHelp(command));
    return exitCodes.success;
  }
  const handler = await command.loadHandler();
  return handler(parsed, output);
}

export async function runCli(
  tokens: readonly string[],
  output: CommandOutput,
  commands: readonly Command[] = allCommands,
): Promise<number> {
  try {
    return await dispatch(tokens, output, commands);
  } catch (error) {
    if (error instanceof UsageError) {
      const helpCommand = error.commandPath ? `${toolName} ${error.commandPath} --help` : `${toolName} --help`;
      output.stderr(`${toolName}: ${printable(error.message)}\nRun '${helpCommand}' for usage.\n`);
      return exitCodes.usage;
    }
    throw error;
  }
}
