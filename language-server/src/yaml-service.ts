// yaml-language-server's own service for lab documents, made by language-service.ts on first use.
import { getLanguageService, SchemaPriority } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService';
import type { LanguageService as YamlLanguageService } from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService';
import { labSchema, labSchemaId } from '@vlm/schemas';
import { ignoreDocumentSchemaChoices, skipSchemaValidationPass } from './lab-schema-only';

/** yaml-language-server, told that every document is a lab and that no other schema exists. */
export function createYamlService(): YamlLanguageService {
  ignoreDocumentSchemaChoices();
  skipSchemaValidationPass();
  const yamlService = getLanguageService({
    schemaRequestService: async (uri: string) => {
      if (uri === labSchemaId) return JSON.stringify(labSchema);
      throw new Error(`Schema ${uri} is not available: only the lab schema is served, and nothing is fetched from the network.`);
    },
    workspaceContext: { resolveRelativePath: (relativePath: string) => relativePath },
  });
  yamlService.configure({
    validate: true,
    hover: true,
    completion: true,
    format: false,
    hoverSchemaSource: false,
    // Every document this service is given is a lab ('*' matches any URI). The schema itself
    // comes from the request service above, once; yaml-language-server caches it.
    schemas: [{ uri: labSchemaId, fileMatch: ['*'], priority: SchemaPriority.Settings }],
    customTags: [],
    yamlVersion: '1.2',
  });
  return yamlService;
}
