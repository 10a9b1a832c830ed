// Text from a host or a file, made safe to print on a terminal or in a CI log.

// Control characters and bidirectional overrides could rewrite a CI log's lines or hide text;
// file names and messages can carry them, so they are shown escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The text with every unsafe character escaped: for paths, where each character matters. */
export function printable(text: string): string {
  return text.replace(unsafeCharacters, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message on one line: line breaks become spaces, other unsafe characters are escaped. */
export function printableMessage(text: string): string {
  return printable(text.replace(/\s*\r?\n\s*/g, ' '));
}
