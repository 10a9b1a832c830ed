// The one guard every consumer of the parse goes through. yaml-language-server converts each
// parsed YAML document into its own tree (convertAST) and copies the target of every alias into
// place. An alias inside the node its anchor names (`&a {b: *a}`) is a cycle: the copy goes on
// until yaml-language-server's own limit of 1000 levels, each level sharing the ones below, so
// outline, folding, hover and validation walk a tree that never ends (the stack or the heap
// runs out). Aliases of large nodes multiply likewise. So each parsed document is measured,
// exactly and in linear time, before it is converted: alias cycles, how many nodes aliases
// expand to, and how deep the expanded tree is. A document over a limit is not converted (its
// tree stays empty, so every feature answers empty), and the refusal is kept for validation to
// report. The line scan in input-guards.ts still runs first: it keeps input that would hurt the
// YAML parser itself (deep nesting, huge files) away from it.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import { SingleYAMLDocument } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import type { YAMLDocument } from 'yaml-language-server/lib/umd/languageservice/parser/yaml-documents';
import { diagnosticCodes } from './diagnostic-codes';
import { defaultInputLimits, type InputLimits, type InputProblem } from './input-guards';
import { builtLevels } from './lab-document';

const refusals = new WeakMap<object, InputProblem>();
let activeLimits: InputLimits = defaultInputLimits;

/** Runs `parse` (which may convert documents) with these limits. */
export function withParseLimits<T>(limits: InputLimits, parse: () => T): T {
  const previous = activeLimits;
  activeLimits = limits;
  try {
    return parse();
  } finally {
    activeLimits = previous;
  }
}

/** Why the parse of a document was not converted, if it was not. */
export function parseRefusal(parsed: YAMLDocument): InputProblem | undefined {
  for (const single of parsed.documents) {
    const problem = refusals.get(single);
    if (problem) return problem;
  }
  return undefined;
}

interface Extent {
  /** Nodes of the expanded tree. */
  size: number;
  /** Collection levels of the expanded tree. */
  height: number;
}

const leaf: Extent = { size: 1, height: 0 };

/** Where a problem at `node` is reported: its span, at least one character wide. */
function spanOf(node: Node): { start: number; end: number } {
  const range = node.range;
  return range ? { start: range[0], end: Math.max(range[1], range[0] + 1) } : { start: 0, end: 0 };
}

function tooDeep(node: Node, limits: InputLimits): InputProblem {
  return {
    code: diagnosticCodes.nestingTooDeep,
    ...spanOf(node),
    message: `Collections are nested more than ${limits.maxNestingDepth} levels deep here. A lab needs only a few levels; the document was not validated.`,
  };
}

/** The alias-free walk's answer: the first nesting problem, 'alias' when an alias is met, or undefined. */
function measureWithoutAliases(node: unknown, depth: number, limits: InputLimits): InputProblem | 'alias' | undefined {
  // Scalars, the commonest nodes, first: the node types exclude each other, so order is free.
  if (node === null || typeof node !== 'object' || isScalar(node)) return undefined;
  if (isAlias(node)) return 'alias';
  if (isPair(node)) return measureWithoutAliases(node.key, depth, limits) ?? measureWithoutAliases(node.value, depth, limits);
  if (!isMap(node) && !isSeq(node)) return undefined;
  if (depth + 1 > limits.maxNestingDepth) return tooDeep(node, limits);
  for (const item of node.items as unknown[]) {
    const found = measureWithoutAliases(item, depth + 1, limits);
    if (found) return found;
  }
  return undefined;
}

/**
 * Measures one parsed document; the first problem found, or undefined. Most labs have no alias,
 * so a walk that only checks depth (same order, same first problem) runs first; an alias met on
 * the way hands the document to the full measure.
 */
export function measureDocument(document: Document, limits: InputLimits): InputProblem | undefined {
  // A Document lab-document.ts built has no alias and knows how deep it is.
  const levels = builtLevels(document);
  if (levels !== undefined && levels <= limits.maxNestingDepth) return undefined;
  const found = measureWithoutAliases(document.contents, 0, limits);
  return found === 'alias' ? measureExpandedDocument(document, limits) : found;
}

/** Measures one parsed document with its aliases expanded; the first problem found, or undefined. */
export function measureExpandedDocument(document: Document, limits: InputLimits): InputProblem | undefined {
  const measured = new Map<Node, Extent>();
  const open = new Set<Node>();
  let expansion = 0;
  let problem: InputProblem | undefined;

  // Depth is bounded: a collection deeper than the limit ends the walk, so this recursion never
  // goes further than maxNestingDepth levels.
  function visit(node: unknown, depth: number): Extent {
    if (problem || node === null || typeof node !== 'object') return leaf;
    if (isAlias(node)) {
      const target = node.resolve(document) as Node | undefined;
      if (!target) return leaf; // an unknown alias: the parser reports it
      if (open.has(target)) {
        problem = {
          code: diagnosticCodes.aliasCycle,
          ...spanOf(node),
          message:
            `The alias '*${node.source}' is inside the node its anchor '&${node.source}' names, so the document would be infinitely deep. ` +
            'Refer to the anchor only from outside that node. The document was not validated.',
        };
        return leaf;
      }
      const extent = measured.get(target) ?? visit(target, depth);
      expansion += extent.size;
      if (!problem && expansion > limits.maxAliasExpansion) {
        problem = {
          code: diagnosticCodes.aliasLimit,
          ...spanOf(node),
          message:
            `Aliases here expand to more than ${limits.maxAliasExpansion} nodes (alias '*${node.source}' alone stands for ${extent.size}); ` +
            'this looks like an alias bomb and the document was not validated.',
        };
      } else if (!problem && depth + extent.height > limits.maxNestingDepth) {
        problem = {
          code: diagnosticCodes.nestingTooDeep,
          ...spanOf(node),
          message: `With the alias '*${node.source}' expanded, collections are nested more than ${limits.maxNestingDepth} levels deep. A lab needs only a few levels; the document was not validated.`,
        };
      }
      return extent;
    }
    if (isPair(node)) {
      const key = visit(node.key, depth);
      const value = visit(node.value, depth);
      return { size: key.size + value.size, height: Math.max(key.height, value.height) };
    }
    if (!isMap(node) && !isSeq(node)) return leaf;
    if (depth + 1 > limits.maxNestingDepth) {
      problem = tooDeep(node, limits);
      return leaf;
    }
    open.add(node);
    let size = 1;
    let height = 0;
    for (const item of node.items as unknown[]) {
      const extent = visit(item, depth + 1);
      size += extent.size;
      height = Math.max(height, extent.height);
      if (problem) break;
    }
    open.delete(node);
    const extent = { size, height: height + 1 };
    measured.set(node, extent);
    return extent;
  }

  visit(document.contents, 0);
  return problem;
}

const patched = Symbol.for('vlm.parseGuard');

/**
 * Converts the measured document when its tree is first read, not when it is parsed: validation
 * reads only the YAML document itself, so `vlm validate` never pays for a tree nobody walks, and
 * the editor converts once, for the first hover, outline or folding of a version.
 */
function convertWhenRead(single: { root: unknown }, convert: (this: { root: unknown }) => void): void {
  let converted = false;
  let root: unknown;
  Object.defineProperty(single, 'root', {
    configurable: true,
    enumerable: true,
    get() {
      if (!converted) {
        converted = true;
        convert.call(single);
      }
      return root;
    },
    set(value: unknown) {
      converted = true;
      root = value;
    },
  });
}

/** Puts the guard in front of yaml-language-server's conversion of every parsed document. */
export function installParseGuard(): void {
  type Converting = { internalDocument: Document; root: unknown; updateFromInternalDocument(): void };
  const prototype = SingleYAMLDocument.prototype as unknown as Converting & { [patched]?: boolean };
  if (prototype[patched]) return;
  const convert = prototype.updateFromInternalDocument;
  prototype.updateFromInternalDocument = function guardedConversion(this: Converting): void {
    const problem = measureDocument(this.internalDocument, activeLimits);
    if (problem) {
      refusals.set(this, problem);
      this.root = undefined;
      return;
    }
    refusals.delete(this);
    convertWhenRead(this, convert);
  };
  prototype[patched] = true;
}
