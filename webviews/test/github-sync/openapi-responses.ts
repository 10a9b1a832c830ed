// Checks each answer of the GitHub stand-in against GitHub's own OpenAPI description
// (@octokit/openapi): the status must be one the operation documents (or 304, 403 and 429, which
// GitHub sends for any request), and the body must match that status's schema.
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: {
    responses: Record<string, OpenApiResponse>;
    schemas: Record<string, unknown>;
    examples: Record<string, { value: unknown }>;
  };
}
interface OpenApiResponse {
  $ref?: string;
  content?: { 'application/json'?: { schema?: unknown } };
}

let loaded: { document: OpenApiDocument; ajv: Ajv } | undefined;

function openApi(): { document: OpenApiDocument; ajv: Ajv } {
  if (loaded) return loaded;
  const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const document = withoutNullable(JSON.parse(readFileSync(path, 'utf8'))) as OpenApiDocument;
  // OpenAPI 3.0 adds keywords (nullable, example, discriminator…) that are not JSON Schema's.
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  ajv.addSchema({ components: document.components }, 'github');
  loaded = { document, ajv };
  return loaded;
}

/** A recorded example from the OpenAPI description, e.g. "milestone". */
export function openApiExample(name: string): unknown {
  return structuredClone(openApi().document.components.examples[name]?.value);
}

const validators = new Map<string, ValidateFunction | null>();
const anyRequestStatuses = new Set([304, 403, 429]);

function responseSchema(operation: { responses: Record<string, OpenApiResponse> }, status: number) {
  let response = operation.responses[String(status)];
  if (response?.$ref) {
    response = openApi().document.components.responses[response.$ref.replace('#/components/responses/', '')];
  }
  return response;
}

/** Throws when `body` with `status` is not what GitHub documents for `method` `template`. */
export function checkAgainstOpenApi(method: string, template: string, status: number, body: unknown): void {
  const key = `${method} ${template} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const operation = openApi().document.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`GitHub's OpenAPI description has no operation ${method} ${template}`);
    const response = responseSchema(operation, status);
    if (response === undefined && !anyRequestStatuses.has(status)) {
      throw new Error(`${method} ${template} does not document the status ${status}`);
    }
    const schema = response?.content?.['application/json']?.schema ?? (status === 304 ? undefined : basicError);
    validate = schema === undefined ? null : openApi().ajv.compile(rebased(schema));
    validators.set(key, validate);
  }
  if (validate === null) {
    if (body !== undefined) throw new Error(`${key} must have no body`);
    return;
  }
  if (!validate(body)) {
    throw new Error(`${key}: the body does not match GitHub's schema: ${openApi().ajv.errorsText(validate.errors)}`);
  }
}

const basicError = { $ref: '#/components/schemas/basic-error' };

/** The operation's schema, with its references pointed at the components added as "github". */
function rebased(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/'));
}

/**
 * OpenAPI 3.0's `nullable: true` in JSON Schema's words, which ajv checks everywhere: a type that
 * also allows null, or, beside a $ref or allOf, "this or null".
 */
function withoutNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNullable);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, withoutNullable(value)]));
  if (nullable !== true) return converted;
  if (typeof converted.type === 'string') {
    const withNull: Record<string, unknown> = { ...converted, type: [converted.type, 'null'] };
    if (Array.isArray(converted.enum)) withNull.enum = [...converted.enum, null];
    return withNull;
  }
  return { anyOf: [converted, { type: 'null' }] };
}
