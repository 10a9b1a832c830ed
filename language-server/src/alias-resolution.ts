// yaml's Alias.resolve(document) walks the whole document on every call unless the caller
// passes a context with a cache; yaml-language-server calls it without one for each alias it
// converts, which makes a lab with many aliases quadratic (300 aliases: about a second).
// Give context-less calls one cache per document, built on first use. Parsed documents are
// not modified afterwards, so the cached node list stays right.
import { Alias } from 'yaml';
import type { Document, Node } from 'yaml';

type ResolveContext = { aliasResolveCache?: Node[] };
type Resolve = (this: Alias, document: Document, context?: ResolveContext) => Node | undefined;

const contexts = new WeakMap<object, { contents: unknown; context: ResolveContext }>();
const patched = Symbol.for('vlm.aliasResolveCache');

export function installAliasResolutionCache(): void {
  const prototype = Alias.prototype as unknown as { resolve: Resolve; [patched]?: boolean };
  if (prototype[patched]) return;
  const original = prototype.resolve;
  prototype.resolve = function resolve(this: Alias, document: Document, context?: ResolveContext): Node | undefined {
    if (context || !document || typeof document !== 'object') return original.call(this, document, context);
    let entry = contexts.get(document);
    if (!entry || entry.contents !== document.contents) {
      entry = { contents: document.contents, context: {} };
      contexts.set(document, entry);
    }
    return original.call(this, document, entry.context);
  };
  prototype[patched] = true;
}
