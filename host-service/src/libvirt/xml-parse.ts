// A small non-validating XML reader for what libvirt hands back (domain, snapshot, capabilities
// XML): elements, attributes and text, with entities decoded. No DTDs, no namespaces resolution.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  // Most text (the whitespace between elements above all) has no entity at all.
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return namedEntities[entity] ?? whole;
  });
}

const attributePattern = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Markup at a '<': comment, processing instruction, CDATA, DOCTYPE, closing tag or opening tag. */
const markupPattern =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<\/\s*([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;

/**
 * Parses one document; throws on unbalanced tags. With `stopAt`, reading ends at the document
 * element's first child of that name (it and what follows are left out, unclosed tags allowed):
 * a domain listing needs only what libvirt writes before `<os>`. Text runs are found with indexOf;
 * only markup goes through the pattern.
 */
export function parseXml(source: string, stopAt?: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let index = 0;
  while (index <= source.length) {
    const found = source.indexOf('<', index);
    const markupStart = found === -1 ? source.length : found;
    const parent = stack.at(-1);
    if (!parent) throw new Error('XML: more closing tags than opening ones');
    if (markupStart > index) parent.text += decodeEntities(source.slice(index, markupStart));
    if (found === -1) break;
    markupPattern.lastIndex = markupStart;
    const match = markupPattern.exec(source);
    // A '<' that starts no markup is skipped, and the text after it read on.
    index = match ? markupPattern.lastIndex : markupStart + 1;
    if (!match) continue;
    const [, cdata, closing, opening, attributeText, selfClosing] = match;
    if (cdata !== undefined) parent.text += cdata;
    else if (closing !== undefined) {
      if (parent.name !== closing) throw new Error(`XML: </${closing}> closes <${parent.name}>`);
      stack.pop();
    } else if (opening !== undefined) {
      const open = stack[1];
      if (opening === stopAt && stack.length === 2 && open) return open;
      const element: XmlElement = { name: opening, attributes: {}, children: [], text: '' };
      if (attributeText) {
        // An exec loop, not matchAll, which copies the pattern on every call. It ends with lastIndex back at 0.
        for (let found = attributePattern.exec(attributeText); found; found = attributePattern.exec(attributeText)) {
          const [, name, doubleQuoted, singleQuoted] = found;
          if (name !== undefined) element.attributes[name] = decodeEntities(doubleQuoted ?? singleQuoted ?? '');
        }
      }
      parent.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  const unclosed = stack.at(-1);
  if (!unclosed) throw new Error('XML: more closing tags than opening ones');
  if (stack.length !== 1) throw new Error(`XML: <${unclosed.name}> is not closed`);
  const documentElement = root.children[0];
  if (!documentElement) throw new Error('XML: no element');
  return documentElement;
}

/** The first descendant along a path of element names, e.g. child(domain, 'os', 'type'). */
export function child(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = element;
  for (const name of names) current = current?.children.find((candidate) => candidate.name === name);
  return current;
}

export function childText(element: XmlElement | undefined, ...names: string[]): string | undefined {
  return child(element, ...names)?.text.trim();
}

/** Every descendant (at any depth) with this name. */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (node: XmlElement) => {
    for (const item of node.children) {
      if (item.name === name) found.push(item);
      walk(item);
    }
  };
  walk(element);
  return found;
}
