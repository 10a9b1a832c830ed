// Options of the commands that talk to vlm-host, apart from the session itself: the command table
// describes every command at start-up, and must not load the host connection's code to do so.
import type { OptionSpec } from './command-table';

export const hostOption: OptionSpec = {
  name: 'host',
  valueName: 'ADDRESS',
  description: 'The host service, as unix:PATH (default: $VLM_HOST, else the socket vlm-host uses by default).',
};

export const yesOption: OptionSpec = { name: 'yes', short: 'y', description: 'Do not ask for confirmation.' };
export const jsonOption: OptionSpec = { name: 'json', description: 'Print one JSON document instead of text.' };
