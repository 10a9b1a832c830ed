// The lab checks in the editor: the shared lab rules of @vlm/schemas, their findings placed at the
// ranges the values are written at, plus what only a YAML text has (empty keys, positions inside
// inline Ansible).
import { checkLabRules, type HostFacts, type LabFinding, type LabPath, type RuleLab, type RuleVm } from '@vlm/schemas';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { checkAnsiblePlaybook } from './ansible-check';
import { diagnosticCodes } from './diagnostic-codes';
import { diagnosticAt } from './lab-diagnostics';
import type { LabModel, LabValue, LabVm, SourceSpan } from './lab-model';

export type { HostFacts } from '@vlm/schemas';

export interface SemanticCheckInput {
  document: TextDocument;
  model: LabModel;
  imageNames: readonly string[];
  hostFacts: HostFacts | undefined;
}

export function runSemanticChecks(input: SemanticCheckInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  const { document, model } = input;
  // yaml-language-server's schema check stops at a null key and reports nothing at all, so
  // say what is wrong here.
  for (const span of model.emptyKeys) {
    found.push(
      diagnosticAt(
        document,
        span,
        diagnosticCodes.yamlSyntax,
        "This entry has an empty or null key. Lab keys are names such as 'vcpu'; the schema is not checked until every key has one.",
      ),
    );
  }
  const { lab, spans } = ruleInput(model);
  const spanOf = (path: LabPath): SourceSpan => spans.get(path.join('/')) ?? { start: 0, end: 0 };
  const findings = checkLabRules(lab, {
    imageNames: input.imageNames,
    hostFacts: input.hostFacts,
    where: (path) => `on line ${document.positionAt(spanOf(path).start).line + 1}`,
  });
  const diagnosticOf = (finding: LabFinding): Diagnostic =>
    diagnosticAt(
      document,
      spanOf(finding.path),
      finding.code,
      finding.message,
      finding.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
      finding.data,
    );
  // Capacity is about the whole lab; it comes last, after the problems of single values.
  const capacity = (finding: LabFinding): boolean => finding.code === diagnosticCodes.overCapacity;
  for (const finding of findings) if (!capacity(finding)) found.push(diagnosticOf(finding));
  const text = document.getText();
  for (const vm of model.vms) {
    if (vm.ansible) found.push(...checkAnsiblePlaybook(document, text, vm.ansible.value, vm.ansible.keyColumn, vm.name?.value));
  }
  for (const finding of findings) if (capacity(finding)) found.push(diagnosticOf(finding));
  return found;
}

/** The lab as the rules read it, and where each value the rules name is written (by path). */
function ruleInput(model: LabModel): { lab: RuleLab; spans: Map<string, SourceSpan> } {
  const spans = new Map<string, SourceSpan>();
  const take = <T>(path: LabPath, value: LabValue<T> | undefined): T | undefined => {
    if (value) spans.set(path.join('/'), value.span);
    return value?.value;
  };
  const lab: RuleLab = {
    host: model.host?.value,
    networks: model.networks.map((network, index) => ({
      name: take(['networks', index, 'name'], network.name),
      cidr: take(['networks', index, 'cidr'], network.cidr),
    })),
  };
  if (model.vmsPair) {
    const key = (model.vmsPair.key as { range?: [number, number, number] } | null)?.range;
    spans.set('vms', key ? { start: key[0], end: key[1] } : { start: 0, end: 0 });
    lab.vms = model.vms.map((vm, index) => ruleVm(vm, ['vms', index], take));
  }
  return { lab, spans };
}

function ruleVm(vm: LabVm, at: LabPath, take: <T>(path: LabPath, value: LabValue<T> | undefined) => T | undefined): RuleVm {
  return {
    name: take([...at, 'name'], vm.name),
    vcpu: vm.vcpu?.value,
    ram_mb: vm.ramMb?.value,
    os_image: take([...at, 'os_image'], vm.osImage),
    ssh_port: take([...at, 'ssh_port'], vm.sshPort),
    vnc_port: take([...at, 'vnc_port'], vm.vncPort),
    networks: vm.networks.map((reference, position) => {
      const path = [...at, 'networks', position];
      if (reference.short) return take(path, reference.name) as string;
      return { name: take([...path, 'name'], reference.name), ip: take([...path, 'ip'], reference.ip) };
    }),
    depends_on: vm.dependsOn.map((name, position) => take([...at, 'depends_on', position], name) as string),
  };
}
