// Validates every request's params against host-protocol.schema.json before a handler runs.
// The first problem becomes an InvalidParams error naming the field and what is allowed there.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { labSchema } from '@vlm/schemas';
import {
  HostErrorCode,
  hostProtocolSchema,
  hostProtocolSchemaId,
  hostRequestParams,
  type HostRequestMethod,
} from '@vlm/schemas/src/host-protocol';
import { hostError, type HostError } from '../host-errors';

const ajv = new Ajv({ allErrors: false, strict: false, verbose: true });
ajv.addSchema(labSchema);
ajv.addSchema(hostProtocolSchema);

const validators = new Map<string, ValidateFunction>();
for (const [method, definition] of Object.entries(hostRequestParams)) {
  const validate = ajv.getSchema(`${hostProtocolSchemaId}#/definitions/${definition}`);
  if (!validate) throw new Error(`host-protocol.schema.json has no definition ${definition} for ${method}.`);
  validators.set(method, validate);
}

export function isHostRequestMethod(method: string): method is HostRequestMethod {
  return Object.hasOwn(hostRequestParams, method);
}

/** Undefined when `params` fit `method`; else the error to answer with. */
export function paramsError(method: HostRequestMethod, params: unknown): HostError | undefined {
  if (params === undefined || params === null || typeof params !== 'object' || Array.isArray(params)) {
    return hostError(HostErrorCode.InvalidParams, `${method}: params must be an object (named parameters), not ${describe(params)}.`, {
      field: '',
      allowed: 'an object',
    });
  }
  const validate = validators.get(method);
  if (!validate || validate(params)) return undefined;
  const error = mostSpecific(validate.errors ?? []);
  if (!error) return hostError(HostErrorCode.InvalidParams, `${method}: invalid params.`, { field: '' });
  return explain(method, error);
}

/** With oneOf (a VM network is a name or an object), the deepest error says the most. */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  const meaningful = errors.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'anyOf' && error.keyword !== 'if');
  const pool = meaningful.length > 0 ? meaningful : errors;
  return pool.reduce<ErrorObject | undefined>(
    (best, error) => (best === undefined || error.instancePath.length > best.instancePath.length ? error : best),
    undefined,
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}

/** Follows a local `#/definitions/...` reference of the protocol schema. */
function resolved(schema: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const reference = schema?.$ref;
  if (typeof reference !== 'string' || !reference.startsWith('#/definitions/')) return schema;
  const definitions = hostProtocolSchema.definitions as Record<string, Record<string, unknown>>;
  return definitions[reference.slice('#/definitions/'.length)] ?? schema;
}

function allowedBy(given: Record<string, unknown> | undefined): string | undefined {
  const text = allowedText(resolved(given));
  return text?.replace(/\.$/, '');
}

function allowedText(schema: Record<string, unknown> | undefined): string | undefined {
  if (!schema) return undefined;
  // A pattern is best explained by the schema's own words for it.
  if (typeof schema.description === 'string' && schema.pattern !== undefined) return schema.description;
  const parts: string[] = [];
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`;
  if (schema.type === 'integer') parts.push('a whole number');
  else if (typeof schema.type === 'string') parts.push(`a ${schema.type}`);
  if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') parts.push(`from ${schema.minimum} to ${schema.maximum}`);
  else if (typeof schema.minimum === 'number') parts.push(`of at least ${schema.minimum}`);
  else if (typeof schema.maximum === 'number') parts.push(`of at most ${schema.maximum}`);
  if (typeof schema.maxLength === 'number') parts.push(`of at most ${schema.maxLength} characters`);
  if (typeof schema.maxItems === 'number') parts.push(`with at most ${schema.maxItems} items`);
  if (parts.length > 0) return parts.join(' ');
  return typeof schema.description === 'string' ? schema.description : undefined;
}

function explain(method: string, error: ErrorObject): HostError {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const params = error.params as Record<string, unknown>;
  let field = error.instancePath;
  let what: string;
  let allowed: string | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      field = `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`;
      const known = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
      what = `unknown field "${String(params.additionalProperty)}"`;
      allowed = known.length > 0 ? `only the fields ${known.join(', ')}` : 'no fields';
      break;
    }
    case 'required':
      field = `${error.instancePath}/${escapePointer(String(params.missingProperty))}`;
      what = `missing required field "${String(params.missingProperty)}"`;
      allowed = allowedBy((parent?.properties as Record<string, Record<string, unknown>> | undefined)?.[String(params.missingProperty)]);
      break;
    case 'dependencies':
      field = `${error.instancePath}/${escapePointer(String(params.property))}`;
      what = `"${String(params.property)}" is given without "${String(params.missingProperty)}"`;
      allowed = `"${String(params.property)}" only together with "${String(params.missingProperty)}"`;
      break;
    case 'pattern':
      what = `${describe(error.data)} is not allowed`;
      allowed = allowedBy(parent);
      break;
    default:
      what = `${describe(error.data)} is not allowed (${error.message ?? 'invalid'})`;
      allowed = allowedBy(parent);
  }
  const shownField = field === '' ? 'params' : field;
  const message = `${method}: ${shownField}: ${what}${allowed ? `; allowed: ${allowed}` : ''}.`;
  return hostError(HostErrorCode.InvalidParams, message, allowed === undefined ? { field } : { field, allowed });
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
