// The shape a v2 state file must have. A file that parses but does not match is refused as corrupt.
import Ajv, { type ErrorObject } from 'ajv';
import { labSchema, labSchemaId } from '@vlm/schemas';
import { labStatuses } from './state-shape';

const name = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 63 };
// LAB.PART, or LAB-PART as older versions named them (lab-resources.ts).
const libvirtName = { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?([.][a-z0-9]([a-z0-9-]*[a-z0-9])?)?$', maxLength: 127 };
const port = { type: 'integer', minimum: 1, maximum: 65535 };
const portKind = { enum: ['ssh', 'vnc'] };

const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const time = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,3})?Z$' };

const stateSchemaV2 = {
  type: 'object',
  additionalProperties: false,
  required: ['schema_version', 'event_sequence', 'labs', 'allocated_ports', 'running_intervals'],
  properties: {
    schema_version: { const: 2 },
    event_sequence: { type: 'integer', minimum: 0 },
    labs: {
      type: 'object',
      propertyNames: name,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'status', 'definition', 'createdAt', 'updatedAt', 'resources', 'deployLog'],
        properties: {
          name,
          status: { enum: labStatuses },
          definition: { $ref: labSchemaId },
          createdAt: { type: 'string' },
          updatedAt: { type: 'string' },
          resources: {
            type: 'object',
            additionalProperties: false,
            required: ['domains', 'volumes', 'networks', 'ports'],
            properties: {
              domains: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name', 'vm'],
                  properties: { name: libvirtName, vm: name, uuid: { type: 'string' } },
                },
              },
              volumes: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['pool', 'name', 'vm'],
                  properties: { pool: { type: 'string' }, name: { type: 'string' }, vm: name },
                },
              },
              networks: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name', 'network'],
                  properties: { name: libvirtName, network: name, uuid: { type: 'string' } },
                },
              },
              ports: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind', 'port', 'vm'],
                  properties: { kind: portKind, port, vm: name },
                },
              },
              seeds: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['path', 'vm'],
                  properties: { path: { type: 'string' }, vm: name },
                },
              },
            },
          },
          pending: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['kind', 'name', 'item'],
              properties: {
                kind: { enum: ['domain', 'volume', 'network', 'seed'] },
                name: { type: 'string' },
                pool: { type: 'string' },
                item: name,
                uuid: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
                instanceId: { type: 'string' },
              },
            },
          },
          sshKey: { const: 'lab' },
          deployLog: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['time', 'level', 'text'],
              properties: {
                time: { type: 'string' },
                level: { enum: ['info', 'warning', 'error'] },
                vm: name,
                text: { type: 'string' },
              },
            },
          },
        },
      },
    },
    running_intervals: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['domain', 'uuid', 'lab', 'vm', 'vcpu', 'memoryBytes', 'diskBytes', 'start'],
        properties: {
          domain: libvirtName,
          uuid: { type: 'string', maxLength: 64 },
          lab: name,
          vm: name,
          vcpu: count,
          memoryBytes: count,
          diskBytes: count,
          start: time,
          stop: time,
        },
      },
    },
    running_observed_at: time,
    allocated_ports: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'port', 'lab', 'vm'],
        properties: { kind: portKind, port, lab: name, vm: name },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addSchema(labSchema);
const validateState = ajv.compile(stateSchemaV2);

/** Undefined when valid, else what is wrong and where, e.g. "/labs/web/status must be equal to one of the allowed values". */
export function stateProblem(data: unknown): string | undefined {
  if (validateState(data)) return undefined;
  const error: ErrorObject | undefined = validateState.errors?.[0];
  if (!error) return 'does not match the state schema';
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
