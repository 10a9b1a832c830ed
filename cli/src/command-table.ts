// Shape of the command table. Each command group lives in its own module under commands/ and
// describes its commands here; the implementation is loaded only when the command runs, so
// `--help` and `--version` stay instant.

/** Where a command writes; tests and the real process both provide it. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface OptionSpec {
  /** Long name without dashes: 'format' for `--format`. */
  name: string;
  /** One-letter alias without the dash: 'h' for `-h`. */
  short?: string;
  /** Name of the value in help text; absent for a flag. */
  valueName?: string;
  /** The values accepted, when the option takes one of a fixed set. */
  allowedValues?: readonly string[];
  /** Value used when the option is not given. */
  defaultValue?: string;
  description: string;
}

/** A command line after parsing against a command's options. */
export interface ParsedArguments {
  /** Option values by long name; flags are 'true'. */
  options: ReadonlyMap<string, string>;
  /** Everything that is not an option, in order. */
  operands: readonly string[];
}

export type CommandHandler = (parsed: ParsedArguments, output: CommandOutput) => Promise<number>;

export interface Command {
  /** The words that select it: ['validate'], later ['lab', 'up']. */
  words: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** Operands in the usage line, such as 'FILE...'. */
  operandsUsage: string;
  /** Paragraphs shown under the usage line of the command's help. */
  details: readonly string[];
  options: readonly OptionSpec[];
  /** Imports the implementation on demand. */
  loadHandler(): Promise<CommandHandler>;
}

/** Options every command accepts. */
export const helpOption: OptionSpec = { name: 'help', short: 'h', description: 'Show this help and exit.' };
