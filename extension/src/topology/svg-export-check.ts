// The one check on a drawing the Lab Topology panel asks to save: a panel is untrusted, so what it
// sends must be an SVG document with no script, no event handler, no link and no embedded HTML
// before it reaches a file the user may open in a browser. No `vscode` import: unit-tested.

/** Why `text` is not a safe SVG drawing, or undefined when it is. */
export function svgExportProblem(text: string): string | undefined {
  if (!/^<\?xml [^>]*\?>\s*<svg[\s>]/.test(text)) return 'it is not an SVG document';
  if (!/<\/svg>\s*$/.test(text)) return 'it does not end with </svg>';
  // Names from the lab file are text: XMLSerializer writes their '<' as '&lt;', so a tag here is markup.
  for (const tag of text.matchAll(/<[^>]*>/g)) {
    const markup = tag[0];
    if (/^<\/?\s*(script|foreignObject|iframe|object|embed|a|use|image|style)\b/i.test(markup)) {
      return `it holds a <${markup.slice(1, 20).replace(/[\s>].*$/s, '')}> element`;
    }
    if (/\son[a-z]+\s*=/i.test(markup)) return 'it holds an event handler attribute';
    if (/\s(xlink:)?href\s*=/i.test(markup)) return 'it holds a link';
  }
  return undefined;
}
