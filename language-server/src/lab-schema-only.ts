// yaml-language-server lets a document pick its own schema, with a
// `# yaml-language-server: $schema=...` modeline or a top-level `$schema` key. A lab file is always
// a lab: for schema services that serve the lab schema, both are ignored (the schema then reports
// a `$schema` key as not allowed), so no document can switch the lab checks off or make the
// service try to load another schema.
import { YAMLSchemaService } from 'yaml-language-server/lib/umd/languageservice/services/yamlSchemaService';

type SchemaChoice = (this: unknown, resource: string, document: unknown) => unknown;
type SchemaServiceInternals = {
  filePatternAssociations?: Array<{ getURIs(): string[] }>;
  resolveModelineSchema: SchemaChoice;
  resolveDollarSchema: SchemaChoice;
};

const patched = Symbol.for('vlm.labSchemaOnly');

export function ignoreDocumentSchemaChoices(labSchemaId: string): void {
  const prototype = YAMLSchemaService.prototype as unknown as SchemaServiceInternals & { [patched]?: boolean };
  if (prototype[patched]) return;
  const servesLabSchema = (service: unknown): boolean =>
    (service as SchemaServiceInternals).filePatternAssociations?.some((association) => association.getURIs().includes(labSchemaId)) ?? false;
  for (const method of ['resolveModelineSchema', 'resolveDollarSchema'] as const) {
    const original = prototype[method];
    prototype[method] = function chooseSchema(this: unknown, resource: string, document: unknown): unknown {
      return servesLabSchema(this) ? undefined : original.call(this, resource, document);
    };
  }
  prototype[patched] = true;
}
