// Pasted text as the keys that type it: a guest's screen has no clipboard, so each character is
// sent as its X11 keysym (press and release), as noVNC's own keyboard would. QEMU turns keysyms
// into key presses through a US keyboard map, so only printable ASCII, newline and tab can be
// typed; a paste with anything else is refused whole, naming what cannot be typed.

const returnKeysym = 0xff0d;
const tabKeysym = 0xff09;
/** Characters one paste may type: a paste is for a command or a password, not a file. */
export const pasteMaximumCharacters = 4096;

export type TypedKeys = { ok: true; keysyms: number[] } | { ok: false; problem: string };

export function keysymsOf(text: string): TypedKeys {
  if (text.length === 0) return { ok: false, problem: 'The clipboard holds no text to type.' };
  if (text.length > pasteMaximumCharacters)
    return { ok: false, problem: `The clipboard holds ${text.length} characters; at most ${pasteMaximumCharacters} can be typed.` };
  const keysyms: number[] = [];
  const untypable = new Set<string>();
  for (const character of text.replace(/\r\n?/g, '\n')) {
    const codepoint = character.codePointAt(0) ?? 0;
    if (character === '\n') keysyms.push(returnKeysym);
    else if (character === '\t') keysyms.push(tabKeysym);
    // Printable ASCII keysyms are the characters' own codes.
    else if (codepoint >= 0x20 && codepoint <= 0x7e) keysyms.push(codepoint);
    else untypable.add(`U+${codepoint.toString(16).padStart(4, '0').toUpperCase()}`);
  }
  if (untypable.size > 0)
    return {
      ok: false,
      problem: `Nothing was typed: ${[...untypable].slice(0, 5).join(', ')} cannot be typed as keys (only printable ASCII, newline and tab can).`,
    };
  return { ok: true, keysyms };
}
