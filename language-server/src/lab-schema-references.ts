// Walking the lab schema itself: what a local `$ref` names, the schema with references inlined,
// and where its oneOf branches are. Shared by the schema messages and the validators' build.
import { labSchema } from '@vlm/schemas';

type SchemaNode = Record<string, unknown>;

/** The schema node a local `$ref` names; the node itself when it is not one. */
export function resolveReference(schema: SchemaNode): SchemaNode {
  const reference = schema.$ref;
  if (typeof reference !== 'string' || !reference.startsWith('#/')) return schema;
  let target: unknown = labSchema;
  for (const part of reference.slice(2).split('/')) target = (target as SchemaNode | undefined)?.[part];
  return (target as SchemaNode | undefined) ?? schema;
}

/**
 * The schema with every `$ref` replaced by what it names (the lab schema has no recursion). With
 * all errors collected, ajv copies the errors found so far at each `$ref` call, which makes a lab
 * with thousands of bad items quadratic (20 000 items: seconds); one inlined function is linear.
 */
export function inlineReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inlineReferences);
  if (node === null || typeof node !== 'object') return node;
  const schema = node as SchemaNode;
  const copy: SchemaNode = {};
  if (typeof schema.$ref === 'string') Object.assign(copy, inlineReferences(resolveReference(schema)));
  for (const [key, value] of Object.entries(schema)) {
    if (key !== '$ref' && key !== '$id' && key !== 'definitions') copy[key] = inlineReferences(value);
  }
  return copy;
}

/** JSON pointer (after the `#`) of every oneOf branch of the schema: what `branchValidator` accepts. */
export function oneOfBranchPointers(node: unknown = labSchema, pointer = ''): string[] {
  if (node === null || typeof node !== 'object') return [];
  const entries = Array.isArray(node) ? node.map((value, index) => [String(index), value] as const) : Object.entries(node);
  return entries.flatMap(([key, value]) => {
    const here = `${pointer}/${key}`;
    const branches = key === 'oneOf' && Array.isArray(value) ? value.map((_, index) => `${here}/${index}`) : [];
    return [...branches, ...oneOfBranchPointers(value, here)];
  });
}
