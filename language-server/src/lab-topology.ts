// What the extension's Lab Topology panel draws of a lab file, from the lab model the checks read
// (no second parser): networks, VMs, their interfaces and addresses, and the forwarded ports, as
// text the panel's messages allow (panel-messages.schema.json's TopologyLab).
import type { TopologyLab } from '@vlm/schemas';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LabModel } from './lab-model';
import type { ParsedDocuments } from './parsed-documents';

/** The limits panel-messages.schema.json sets on what a panel is sent. */
const limits = { text: 256, networks: 64, vms: 4096, interfaces: 64, problems: 100 } as const;

/** Text from the file as the panel may receive it: control characters shown as '?', at most 256 characters. */
export function panelText(text: string): string {
  const cleaned = [...text].map((character) => (character < ' ' || character === '\u007f' ? '?' : character));
  return cleaned.slice(0, limits.text).join('');
}

/**
 * The lab of one parsed document with no host state yet (every VM `unknown`); `yamlErrors` are
 * the parse's own, the first three of which are listed.
 */
export function labTopology(model: LabModel, yamlErrors: readonly string[], file: string): TopologyLab {
  const problems = yamlErrors.slice(0, 3).map((error) => `YAML: ${error.split('\n')[0] ?? ''}`);
  const root = model.root;
  const nameNode = root?.get('name');
  const lab: TopologyLab = {
    file: file.slice(-2048),
    lab: typeof nameNode === 'string' ? panelText(nameNode) : '',
    host: panelText(model.host?.value ?? 'local'),
    hostConnected: false,
    networks: [],
    vms: [],
    problems,
  };
  for (const network of model.networks.slice(0, limits.networks)) {
    if (!network.name) continue;
    const mode = network.mode?.value;
    lab.networks.push({
      name: panelText(network.name.value),
      ...(network.cidr ? { cidr: panelText(network.cidr.value) } : {}),
      ...(mode === 'isolated' || mode === 'nat' ? { mode } : {}),
    });
  }
  if (model.networks.length > limits.networks) problems.push(`Only the first ${limits.networks} networks are drawn.`);
  for (const vm of model.vms.slice(0, limits.vms)) {
    if (!vm.name) continue;
    const interfaces = vm.networks
      .filter((reference) => reference.name !== undefined)
      .slice(0, limits.interfaces)
      .map((reference, index) => ({
        name: `nic${index}`,
        network: panelText(reference.name?.value ?? ''),
        ...(reference.ip ? { ip: panelText(reference.ip.value) } : {}),
      }));
    lab.vms.push({
      name: panelText(vm.name.value),
      state: 'unknown',
      ...(vm.osImage ? { osImage: panelText(vm.osImage.value) } : {}),
      ...portField('sshPort', vm.sshPort?.value),
      ...portField('vncPort', vm.vncPort?.value),
      interfaces,
    });
  }
  const defined = new Set(lab.networks.map((network) => network.name));
  for (const vm of lab.vms) {
    for (const attached of vm.interfaces) {
      if (!defined.has(attached.network)) problems.push(`VM ${vm.name} joins network ${attached.network}, which the lab does not define.`);
    }
  }
  lab.problems = problems.slice(0, limits.problems).map((problem) => problem.slice(0, 1000));
  return lab;
}

function portField(key: 'sshPort' | 'vncPort', port: number | undefined): Partial<Record<typeof key, number>> {
  return port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535 ? { [key]: port } : {};
}

/** The topology of a document's first lab, from its cached parse. */
export function documentTopology(documents: ParsedDocuments, document: TextDocument): TopologyLab {
  const single = documents.parse(document).documents[0];
  const [model] = documents.labModels(document);
  const errors = (single?.internalDocument.errors ?? []).map((error) => error.message);
  const file = document.uri.slice(document.uri.lastIndexOf('/') + 1);
  return labTopology(model ?? { networks: [], vms: [], emptyKeys: [] }, errors, file);
}
