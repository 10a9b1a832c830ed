// Hand-written option parsing: `--name value`, `--name=value`, `-h`, flags, and `--` to end
// options so file names starting with '-' can be passed.
import type { Command, OptionSpec, ParsedArguments } from './command-table';
import { UsageError } from './exit-codes';
import { commandName } from './help';

function describeAllowed(options: readonly OptionSpec[]): string {
  return options.map((option) => `--${option.name}${option.short ? ` (-${option.short})` : ''}`).join(', ');
}

function checkValue(option: OptionSpec, value: string, command: Command): string {
  if (option.allowedValues && !option.allowedValues.includes(value)) {
    throw new UsageError(
      `option --${option.name} does not accept '${value}'; allowed: ${option.allowedValues.join(', ')}.`,
      command.words.join(' '),
    );
  }
  return value;
}

export function parseArguments(tokens: readonly string[], command: Command): ParsedArguments {
  const options = new Map<string, string>();
  const operands: string[] = [];
  const path = command.words.join(' ');
  for (const option of command.options) {
    if (option.defaultValue !== undefined) options.set(option.name, option.defaultValue);
  }

  let index = 0;
  for (let token = tokens[index]; token !== undefined; token = tokens[index]) {
    index += 1;
    if (token === '--') {
      operands.push(...tokens.slice(index));
      break;
    }
    // A lone '-' is an operand by convention (standard input), not an option.
    if (!token.startsWith('-') || token === '-') {
      operands.push(token);
      continue;
    }

    const isLong = token.startsWith('--');
    const equalsAt = isLong ? token.indexOf('=') : -1;
    const written = equalsAt >= 0 ? token.slice(0, equalsAt) : token;
    const option = isLong
      ? command.options.find((candidate) => `--${candidate.name}` === written)
      : command.options.find((candidate) => candidate.short !== undefined && `-${candidate.short}` === written);
    if (!option) {
      throw new UsageError(
        `unknown option '${written}' for '${commandName(command)}'. Options: ${describeAllowed(command.options)}. ` +
          `To pass a file whose name starts with '-', put '--' before it.`,
        path,
      );
    }

    if (option.valueName === undefined) {
      if (equalsAt >= 0) throw new UsageError(`option --${option.name} takes no value.`, path);
      options.set(option.name, 'true');
      continue;
    }
    let value: string | undefined;
    if (equalsAt >= 0) {
      value = token.slice(equalsAt + 1);
    } else {
      value = tokens[index];
      index += 1;
    }
    if (value === undefined) {
      const expected = option.allowedValues ? `one of ${option.allowedValues.join(', ')}` : option.valueName;
      throw new UsageError(`option ${written} needs a value: ${expected}.`, path);
    }
    options.set(option.name, checkValue(option, value, command));
  }
  return { options, operands };
}
