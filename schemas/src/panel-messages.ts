// Messages between the dashboard's webview panels and the extension, typed once in
// panel-messages.schema.json. Both sides check every message they receive with
// `checkPanelMessage` and drop one of the wrong shape, saying which field was wrong.
import panelMessagesSchemaJson from '../panel-messages.schema.json';
import { type PanelMessageDefinition, type PanelValidationError, panelMessageValidators } from './panel-messages/panel-message-validators';
import type {
  ExpensesToExtension,
  ExpensesToPanel,
  TasksToExtension,
  TasksToPanel,
  ToolsToExtension,
  ToolsToPanel,
  VncPanelState,
  VncToExtension,
  VncToPanel,
  TopologyToExtension,
  TopologyToPanel,
} from './generated-types';

export const panelMessagesSchema: Record<string, unknown> = panelMessagesSchemaJson;
export const panelMessagesSchemaId: string = panelMessagesSchemaJson.$id;
export type { PanelMessageDefinition } from './panel-messages/panel-message-validators';

interface PanelMessageTypes {
  ExpensesToExtension: ExpensesToExtension;
  ExpensesToPanel: ExpensesToPanel;
  ToolsToExtension: ToolsToExtension;
  ToolsToPanel: ToolsToPanel;
  TasksToExtension: TasksToExtension;
  TasksToPanel: TasksToPanel;
  VncToExtension: VncToExtension;
  VncToPanel: VncToPanel;
  VncPanelState: VncPanelState;
  TopologyToExtension: TopologyToExtension;
  TopologyToPanel: TopologyToPanel;
}

export type PanelMessageCheck<Message> = { ok: true; message: Message } | { ok: false; problem: string };

/** A message a panel or the extension received, checked against its definition. */
export function checkPanelMessage<Name extends PanelMessageDefinition>(
  definition: Name,
  value: unknown,
): PanelMessageCheck<PanelMessageTypes[Name]> {
  const validate = panelMessageValidators[definition];
  if (validate(value)) return { ok: true, message: value as PanelMessageTypes[Name] };
  return { ok: false, problem: describeProblem(definition, value, validate.errors?.[0]) };
}

function describeProblem(definition: string, value: unknown, error: PanelValidationError | undefined): string {
  const type =
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
      ? `"${printable((value as { type: string }).type)}"`
      : 'without a type';
  const where = error?.instancePath ? error.instancePath : 'the message';
  const params = error?.params ?? {};
  if (typeof params.tag === 'string') {
    return `Dropped an ${definition} message ${type}: /type must be one of ${messageTypes(definition).join(', ')}.`;
  }
  let detail = error?.message ?? 'does not match';
  if (Array.isArray(params.allowedValues)) detail += ` (${params.allowedValues.join(', ')})`;
  if (typeof params.additionalProperty === 'string') detail += ` ("${printable(params.additionalProperty)}")`;
  return `Dropped an ${definition} message ${type}: ${where} ${detail}.`;
}

/** The `type` of each message a definition allows, from the schema. */
function messageTypes(definition: string): string[] {
  const definitions = panelMessagesSchemaJson.definitions as Record<
    string,
    { oneOf?: Array<{ properties?: { type?: { const?: string } } }> }
  >;
  return (definitions[definition]?.oneOf ?? []).flatMap((branch) => branch.properties?.type?.const ?? []);
}

/** Message text echoed in a log line: short, and with no control characters. */
export function printable(text: string): string {
  const cleaned = [...text].map((character) => (character < ' ' || character === '\u007f' ? '?' : character)).join('');
  return cleaned.length > 40 ? `${cleaned.slice(0, 40)}…` : cleaned;
}
