// Types of example-labs.mjs, for the tests that import it.
export function copyExampleLabs(examplesFolder: string, folder: string): string[];
export function exampleLabsFolder(dataFolder: string): string;
