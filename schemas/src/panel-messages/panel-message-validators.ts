// The compiled validators of panel-messages.schema.json. In Node (the extension, tests) ajv
// compiles them on load; a webview's CSP forbids eval, so the webview bundles replace this module
// with the same validators generated ahead of time (webviews/build/standalone-validators.mjs).
import Ajv from 'ajv';
import panelMessagesSchemaJson from '../../panel-messages.schema.json';

/** The definitions a receiver validates against, by name. */
export const panelMessageDefinitions = [
  'ExpensesToExtension',
  'ExpensesToPanel',
  'ToolsToExtension',
  'ToolsToPanel',
  'TasksToExtension',
  'TasksToPanel',
  'VncToExtension',
  'VncToPanel',
  'VncPanelState',
  'TopologyToExtension',
  'TopologyToPanel',
] as const;
export type PanelMessageDefinition = (typeof panelMessageDefinitions)[number];

export interface PanelValidationError {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

export interface PanelMessageValidator {
  (value: unknown): boolean;
  errors?: PanelValidationError[] | null;
}

/** One ajv for both the runtime and the generated validators, so both check the same way. */
export function panelMessagesAjv(options: { code?: { source: boolean } } = {}): Ajv {
  return new Ajv({ allErrors: false, strict: false, discriminator: true, ...options }).addSchema(panelMessagesSchemaJson);
}

const ajv = panelMessagesAjv();
export const panelMessageValidators = {} as Record<PanelMessageDefinition, PanelMessageValidator>;
for (const name of panelMessageDefinitions) {
  const validate = ajv.getSchema(`${panelMessagesSchemaJson.$id}#/definitions/${name}`);
  if (!validate) throw new Error(`panel-messages.schema.json has no definition ${name}.`);
  panelMessageValidators[name] = validate;
}
