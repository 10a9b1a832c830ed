// SOAP envelopes out, XML elements in. Every value reaches XML through `escapeXml` (there is no
// way to put raw text into an element), and answers are read by a small strict reader: vim25
// answers use elements, attributes, text and the five entities, nothing more, so anything else
// (a DOCTYPE, an unknown entity, an unclosed tag) is refused as malformed rather than guessed at.
import { CloudError } from '../cloud-errors.js';

/** An element to send: a name, attributes, and either text or child elements. */
export interface XmlOut {
  name: string;
  attributes?: Record<string, string>;
  content: string | XmlOut[];
}

/** An element as read: local name (prefix dropped), attributes by their full name, text, children. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const xmlName = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
// Characters XML 1.0 cannot carry at all, even escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused.
const forbiddenCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function escapeXml(value: string): string {
  if (forbiddenCharacters.test(value)) {
    throw new CloudError('invalidInput', 'vsphere', 'A value holds a control character that XML cannot carry', {
      hint: 'Remove control characters from names, user names and passwords.',
    });
  }
  return value.replace(/[&<>"']/g, (character) => `&${entityNames[character]};`);
}

const entityNames: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' };

export function element(name: string, content: string | XmlOut[], attributes?: Record<string, string>): XmlOut {
  return { name, content, attributes };
}

export function renderXml(node: XmlOut): string {
  if (!xmlName.test(node.name)) throw new Error(`Not an XML element name: ${node.name}`);
  const attributes = Object.entries(node.attributes ?? {})
    .map(([key, value]) => {
      if (!xmlName.test(key)) throw new Error(`Not an XML attribute name: ${key}`);
      return ` ${key}="${escapeXml(value)}"`;
    })
    .join('');
  const inner = typeof node.content === 'string' ? escapeXml(node.content) : node.content.map(renderXml).join('');
  return `<${node.name}${attributes}>${inner}</${node.name}>`;
}

/** A vim25 request: the method's element in the urn:vim25 namespace inside a SOAP 1.1 body. */
export function soapEnvelope(method: string, parameters: XmlOut[]): string {
  const body = renderXml(element(method, parameters, { xmlns: 'urn:vim25' }));
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

function malformed(message: string): CloudError {
  return new CloudError('malformed', 'vsphere', `The vSphere answer is not well-formed XML: ${message}`);
}

function decodeEntities(text: string): string {
  return text.replace(/&([^;&<]{0,10});?/g, (match, name: string) => {
    if (!match.endsWith(';')) throw malformed(`a bare "&" near "${match.slice(0, 12)}"`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (name in named) return named[name] as string;
    const numeric = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
    if (!numeric) throw malformed(`unknown entity &${name};`);
    const code = numeric[1]?.startsWith('x') ? Number.parseInt(numeric[1].slice(1), 16) : Number(numeric[1]);
    const character = code > 0x10ffff ? '' : String.fromCodePoint(code);
    if (character === '' || forbiddenCharacters.test(character)) throw malformed(`&${name}; is not a character XML may hold`);
    return character;
  });
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

const attributePattern = /\s*([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

function parseTag(source: string): { name: string; attributes: Record<string, string>; selfClosing: boolean } {
  const selfClosing = source.endsWith('/');
  const body = selfClosing ? source.slice(0, -1) : source;
  const nameMatch = /^([A-Za-z_][A-Za-z0-9_.:-]*)/.exec(body);
  if (!nameMatch?.[1]) throw malformed(`a tag without a name: <${source.slice(0, 40)}>`);
  const attributes: Record<string, string> = {};
  attributePattern.lastIndex = nameMatch[1].length;
  while (attributePattern.lastIndex < body.trimEnd().length) {
    const match = attributePattern.exec(body);
    if (!match?.[1]) throw malformed(`a broken attribute in <${nameMatch[1]}>`);
    attributes[match[1]] = decodeEntities(match[2] ?? match[3] ?? '');
  }
  return { name: nameMatch[1], attributes, selfClosing };
}

/** Skips a declaration, comment or CDATA at `index`; returns where it ends and the text it holds. */
function skipMarkup(xml: string, index: number): { end: number; text: string } {
  const rules: [string, string][] = [
    ['<?', '?>'],
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
  ];
  for (const [open, close] of rules) {
    if (!xml.startsWith(open, index)) continue;
    const end = xml.indexOf(close, index + open.length);
    if (end === -1) throw malformed(`an unclosed ${open}`);
    const text = open === '<![CDATA[' ? xml.slice(index + open.length, end) : '';
    return { end: end + close.length, text };
  }
  throw malformed('a DOCTYPE or other declaration, which vSphere never sends');
}

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let index = 0;
  while (index < xml.length) {
    const open = xml.indexOf('<', index);
    const textEnd = open === -1 ? xml.length : open;
    const current = stack[stack.length - 1] as XmlElement;
    if (textEnd > index) current.text += decodeEntities(xml.slice(index, textEnd));
    if (open === -1) break;
    if (xml.startsWith('<?', open) || xml.startsWith('<!', open)) {
      const skipped = skipMarkup(xml, open);
      current.text += skipped.text;
      index = skipped.end;
      continue;
    }
    const close = xml.indexOf('>', open);
    if (close === -1) throw malformed('an unclosed tag');
    const tag = xml.slice(open + 1, close);
    index = close + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const top = stack.pop();
      if (!top || stack.length === 0 || top.name !== localName(name)) throw malformed(`an unexpected </${name}>`);
      continue;
    }
    const parsed = parseTag(tag);
    const child: XmlElement = { name: localName(parsed.name), attributes: parsed.attributes, children: [], text: '' };
    current.children.push(child);
    if (!parsed.selfClosing) stack.push(child);
  }
  if (stack.length !== 1) throw malformed(`<${stack[stack.length - 1]?.name}> is never closed`);
  if (root.children.length !== 1) throw malformed('the document must hold exactly one root element');
  if (root.text.trim() !== '') throw malformed('text outside the root element');
  return root.children[0] as XmlElement;
}

/** The first child with this local name. */
export function childOf(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent?.children.find((child) => child.name === name);
}

export function childrenOf(parent: XmlElement | undefined, name: string): XmlElement[] {
  return parent?.children.filter((child) => child.name === name) ?? [];
}

/** The xsi:type of an element, whatever prefix the answer gave the schema-instance namespace. */
export function xsiType(node: XmlElement | undefined): string | undefined {
  if (!node) return undefined;
  for (const [key, value] of Object.entries(node.attributes)) {
    if (localName(key) === 'type' && key.includes(':')) return localName(value);
  }
  return undefined;
}
