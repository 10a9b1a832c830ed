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
  'VmDetailsToExtension',
  'VmDetailsToPanel',
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

// Compiled on first use, one definition at a time: compiling them all cost the extension most of
// its activation time, and a window that opens no panel never needs them.
let sharedAjv: Ajv | undefined;
export const panelMessageValidators = {} as Record<PanelMessageDefinition, PanelMessageValidator>;
for (const name of panelMessageDefinitions) {
  let compiled: PanelMessageValidator | undefined;
  Object.defineProperty(panelMessageValidators, name, {
    enumerable: true,
    get: () => {
      sharedAjv ??= panelMessagesAjv();
      compiled ??= sharedAjv.getSchema(`${panelMessagesSchemaJson.$id}#/definitions/${name}`);
      if (!compiled) throw new Error(`panel-messages.schema.json has no definition ${name}.`);
      return compiled;
    },
  });
}
