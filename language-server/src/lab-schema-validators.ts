// The lab schema's ajv validators, in one module so that a bundle can swap it for the same
// validators generated as code at build time (cli/build/precompiled-lab-validators.mjs): compiling
// them, and the meta-schema that checks the schema first, is most of a short `vlm validate`.
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { labSchema, labSchemaId } from '@vlm/schemas';
import { inlineReferences } from './lab-schema-references';

type SchemaNode = Record<string, unknown>;

/** Options of the one ajv set-up; the build passes code-generation options of its own. */
export function labSchemaAjv(extra: Record<string, unknown> = {}): Ajv {
  return new Ajv({ allErrors: true, strict: false, verbose: true, ownProperties: true, ...extra }).addSchema(labSchema);
}

let ajv: Ajv | undefined;
let labValidatorCompiled: ValidateFunction | undefined;
const branchValidators = new Map<string, ValidateFunction>();

/** The whole lab's validator, references inlined. */
export function labValidator(): ValidateFunction {
  ajv ??= labSchemaAjv();
  labValidatorCompiled ??= ajv.compile(inlineReferences(labSchema) as SchemaNode);
  return labValidatorCompiled;
}

/** The validator of one oneOf branch, by its pointer in the lab schema. */
export function branchValidator(pointer: string): ValidateFunction {
  let validator = branchValidators.get(pointer);
  if (!validator) {
    ajv ??= labSchemaAjv();
    validator = ajv.getSchema(`${labSchemaId}#${pointer}`);
    if (!validator) throw new Error(`the lab schema has no ${pointer}`);
    branchValidators.set(pointer, validator);
  }
  return validator;
}
