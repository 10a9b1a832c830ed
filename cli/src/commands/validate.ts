// The `validate` command group: checking lab files offline with the language server's engine.
import { helpOption, type Command } from '../command-table';

export const validateCommand: Command = {
  words: ['validate'],
  summary: 'Check lab files against the lab schema and the semantic rules the editor applies.',
  operandsUsage: 'FILE...',
  details: [
    'Prints one line per problem: PATH:LINE:COLUMN: SEVERITY: MESSAGE [CODE], with 1-based\n' +
      'line and column (counted as the editor counts them), sorted by file then position.\n' +
      'A summary goes to standard error.',
    'Exit status: 0 when no file has an error (warnings are allowed), 1 when any has,\n' +
      '2 for a wrong command line or a file that cannot be read, 70 for a bug in vlm itself.\n' +
      'Use "-" to read a lab from standard input.',
    'With --format json, standard output is one JSON document:\n' +
      '  {"files": [{"path", "diagnostics": [{"line", "column", "endLine", "endColumn",\n' +
      '     "severity", "message", "code", "source"}]} or {"path", "error"}],\n' +
      '   "summary": {"files", "errors", "warnings", "infos", "hints", "unreadable"}}\n' +
      'Positions are 1-based, as in the text form.',
  ],
  options: [
    {
      name: 'format',
      valueName: 'FORMAT',
      allowedValues: ['text', 'json'],
      defaultValue: 'text',
      description: 'Output format; json is one document for machines.',
    },
    {
      name: 'catalog',
      valueName: 'FILE',
      description: "A host's image catalog (JSON); its images count as known besides the built-in ones.",
    },
    {
      name: 'host-cpus',
      valueName: 'N',
      description: 'Also check that the labs fit a host with N CPUs (needs --host-memory-mb).',
    },
    {
      name: 'host-memory-mb',
      valueName: 'MIB',
      description: 'Also check that the labs fit a host with this much memory (needs --host-cpus).',
    },
    {
      name: 'host',
      valueName: 'NAME',
      defaultValue: 'local',
      description: 'Host those figures describe; labs deployed elsewhere are not capacity-checked.',
    },
    helpOption,
  ],
  async loadHandler() {
    const { validateFiles } = await import('./validate-files');
    return validateFiles;
  },
};
