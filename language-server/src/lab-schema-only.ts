// yaml-language-server lets a document pick its own schema, with a
// `# yaml-language-server: $schema=...` modeline or a top-level `$schema` key. A lab file is always
// a lab: for schema services that serve the lab schema, both are ignored (the schema then reports
// a `$schema` key as not allowed), so no document can switch the lab checks off or make the
// service try to load another schema.
import { YAMLSchemaService } from 'yaml-language-server/lib/umd/languageservice/services/yamlSchemaService';
import { YAMLValidation } from 'yaml-language-server/lib/umd/languageservice/services/yamlValidation';
import { labSchemaId } from '@vlm/schemas';

type SchemaChoice = (this: unknown, resource: string, document: unknown) => unknown;
type SchemaServiceInternals = {
  filePatternAssociations?: Array<{ getURIs(): string[] }>;
  resolveModelineSchema: SchemaChoice;
  resolveDollarSchema: SchemaChoice;
};

const patched = Symbol.for('vlm.labSchemaOnly');

const servesLabSchema = (service: unknown): boolean =>
  (service as SchemaServiceInternals).filePatternAssociations?.some((association) => association.getURIs().includes(labSchemaId)) ?? false;

export function ignoreDocumentSchemaChoices(): void {
  const prototype = YAMLSchemaService.prototype as unknown as SchemaServiceInternals & { [patched]?: boolean };
  if (prototype[patched]) return;
  for (const method of ['resolveModelineSchema', 'resolveDollarSchema'] as const) {
    const original = prototype[method];
    prototype[method] = function chooseSchema(this: unknown, resource: string, document: unknown): unknown {
      return servesLabSchema(this) ? undefined : original.call(this, resource, document);
    };
  }
  prototype[patched] = true;
}

const schemaCheckPatched = Symbol.for('vlm.labSchemaCheckOwn');

/**
 * Lab documents get their schema problems from the lab's own check (schema-messages.ts), in
 * words a user reads; yaml-language-server's schema pass would only be thrown away, so services
 * that serve the lab schema skip it (its syntax diagnostics stay).
 */
export function skipSchemaValidationPass(): void {
  const prototype = YAMLValidation.prototype as unknown as {
    schemaService: unknown;
    getSchemaDiagnostics(this: unknown, document: unknown, yamlDocument: unknown): Promise<unknown[]>;
    [schemaCheckPatched]?: boolean;
  };
  if (prototype[schemaCheckPatched]) return;
  const original = prototype.getSchemaDiagnostics;
  prototype.getSchemaDiagnostics = function schemaDiagnostics(
    this: { schemaService: unknown },
    document: unknown,
    yamlDocument: unknown,
  ): Promise<unknown[]> {
    return servesLabSchema(this.schemaService) ? Promise.resolve([]) : original.call(this, document, yamlDocument);
  };
  prototype[schemaCheckPatched] = true;
}
