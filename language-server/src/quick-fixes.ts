// Quick fixes for the lab's semantic diagnostics: free ports, unique names, missing networks,
// catalog images. Each action carries the diagnostic it fixes.
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, YAMLSeq } from 'yaml';
import { CodeActionKind } from 'vscode-languageserver-types';
import type { CodeAction, Diagnostic, Range, TextEdit } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { diagnosticCodes } from './diagnostic-codes';
import { cidrsOverlap, formatCidr, nameMaxLength, parseCidr, portRanges, type Cidr, type PortField } from '@vlm/schemas';
import type { LabModel } from './lab-model';
import type { LabDiagnosticData } from './lab-diagnostics';
import { closestNames } from '@vlm/schemas';

export interface QuickFixInput {
  document: TextDocument;
  range: Range;
  diagnostics: Diagnostic[];
  models: LabModel[];
  imageNames: readonly string[];
}

function rangesTouch(left: Range, right: Range): boolean {
  const before = (a: Range['start'], b: Range['start']): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);
  return !before(left.end, right.start) && !before(right.end, left.start);
}

function action(title: string, document: TextDocument, diagnostic: Diagnostic, edits: TextEdit[], preferred = false): CodeAction {
  const codeAction: CodeAction = {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { changes: { [document.uri]: edits } },
  };
  if (preferred) codeAction.isPreferred = true;
  return codeAction;
}

/** The lab (of a multi-document file) that holds an offset. */
function modelAt(models: LabModel[], offset: number): LabModel | undefined {
  return (
    models.find((model) => {
      const range = model.root?.range;
      return range !== undefined && range !== null && offset >= range[0] && offset <= range[2];
    }) ?? models[0]
  );
}

export function labQuickFixes(input: QuickFixInput): CodeAction[] {
  const { document } = input;
  const actions: CodeAction[] = [];
  for (const diagnostic of input.diagnostics) {
    if (diagnostic.source !== 'vlm' || !rangesTouch(diagnostic.range, input.range)) continue;
    const model = modelAt(input.models, document.offsetAt(diagnostic.range.start));
    if (!model) continue;
    const written = document.getText(diagnostic.range);
    const data = diagnostic.data as LabDiagnosticData | undefined;
    switch (diagnostic.code) {
      case diagnosticCodes.portCollision:
      case diagnosticCodes.portOutOfRange: {
        const field = data?.kind === 'port' ? data.field : portFieldOnLine(document, diagnostic.range);
        if (!field) break;
        const port = nextFreePort(model, field);
        if (port !== undefined) {
          actions.push(
            action(`Use free ${field} ${port}`, document, diagnostic, [{ range: diagnostic.range, newText: String(port) }], true),
          );
        }
        break;
      }
      case diagnosticCodes.duplicateName: {
        const entity =
          data?.kind === 'duplicate-name'
            ? data.entity
            : isNetworkNameAt(model, document.offsetAt(diagnostic.range.start))
              ? 'network'
              : 'vm';
        const taken = new Set(
          entity === 'vm'
            ? model.vms.flatMap((vm) => (vm.name ? [vm.name.value] : []))
            : model.networks.flatMap((network) => (network.name ? [network.name.value] : [])),
        );
        const renamed = freeName(written, taken);
        actions.push(action(`Rename to '${renamed}'`, document, diagnostic, [{ range: diagnostic.range, newText: renamed }], true));
        break;
      }
      case diagnosticCodes.undefinedNetwork: {
        const name = data?.kind === 'undefined-network' ? data.name : written;
        const edit = declareNetworkEdit(document, model, name);
        if (edit) actions.push(action(`Declare network '${name}' (${edit.cidr})`, document, diagnostic, [edit.edit], true));
        break;
      }
      case diagnosticCodes.reservedCidr:
      case diagnosticCodes.overlappingCidr: {
        const cidr = freeSubnet(model);
        if (cidr)
          actions.push(
            action(
              `Use ${cidr}, a private range no other network of the lab uses`,
              document,
              diagnostic,
              [{ range: diagnostic.range, newText: cidr }],
              true,
            ),
          );
        break;
      }
      case diagnosticCodes.unknownImage: {
        const image = data?.kind === 'unknown-image' ? data.image : written;
        closestNames(image, input.imageNames).forEach((candidate, order) => {
          actions.push(
            action(`Use image '${candidate}'`, document, diagnostic, [{ range: diagnostic.range, newText: candidate }], order === 0),
          );
        });
        break;
      }
      default:
        break;
    }
  }
  return actions;
}

function portFieldOnLine(document: TextDocument, range: Range): PortField | undefined {
  const line = document.getText({ start: { line: range.start.line, character: 0 }, end: range.start });
  if (/ssh_port\s*:\s*$/.test(line)) return 'ssh_port';
  if (/vnc_port\s*:\s*$/.test(line)) return 'vnc_port';
  return undefined;
}

function nextFreePort(model: LabModel, field: PortField): number | undefined {
  const used = new Set<number>();
  for (const vm of model.vms) {
    if (vm.sshPort) used.add(vm.sshPort.value);
    if (vm.vncPort) used.add(vm.vncPort.value);
  }
  const range = portRanges[field];
  for (let port = range.minimum; port <= range.maximum; port++) if (!used.has(port)) return port;
  return undefined;
}

function isNetworkNameAt(model: LabModel, offset: number): boolean {
  return model.networks.some((network) => network.name?.span.start === offset);
}

/** `name-2`, `name-3`, ... the first not taken, kept within the name length limit. */
export function freeName(name: string, taken: Set<string>): string {
  for (let counter = 2; ; counter++) {
    const suffix = `-${counter}`;
    const base = name.slice(0, nameMaxLength - suffix.length).replace(/-+$/, '');
    const candidate = `${base}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The first 10.x.y.0/24 that overlaps none of the lab's networks. */
function freeSubnet(model: LabModel): string | undefined {
  const existing: Cidr[] = [];
  for (const network of model.networks) {
    const parsed = network.cidr ? parseCidr(network.cidr.value) : undefined;
    if (parsed?.ok) existing.push(parsed.value);
  }
  for (let second = 0; second < 256; second++) {
    for (let third = second === 0 ? 1 : 0; third < 256; third++) {
      const candidate = parseCidr(`10.${second}.${third}.0/24`);
      if (candidate.ok && !existing.some((cidr) => cidrsOverlap(cidr, candidate.value))) return formatCidr(candidate.value);
    }
  }
  return undefined;
}

function lineStartOffset(document: TextDocument, offset: number): number {
  return document.offsetAt({ line: document.positionAt(offset).line, character: 0 });
}

/** Offset of the line break ending the line that holds `offset` (before a CR of CRLF). */
function lineEndOffset(text: string, offset: number): number {
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  if (end > 0 && text[end - 1] === '\r') end--;
  return end;
}

function declareNetworkEdit(document: TextDocument, model: LabModel, name: string): { edit: TextEdit; cidr: string } | undefined {
  const cidr = freeSubnet(model);
  if (!cidr) return undefined;
  const text = document.getText();
  const lineBreak = text.includes('\r\n') ? '\r\n' : '\n';
  const insertAt = (offset: number, newText: string): TextEdit => {
    const position = document.positionAt(offset);
    return { range: { start: position, end: position }, newText };
  };
  const pair = model.networksPair;
  if (pair) {
    const keyRange = (pair.key as Node | null)?.range;
    const value = pair.value as Node | null;
    if (isSeq(value) && value.range) {
      const sequence = value as YAMLSeq<Node>;
      const last = sequence.items[sequence.items.length - 1];
      if (sequence.flow) {
        const closing = text.lastIndexOf(']', value.range[1]);
        const separator = sequence.items.length > 0 ? ', ' : '';
        return { cidr, edit: insertAt(closing, `${separator}{ name: ${name}, cidr: ${cidr} }`) };
      }
      if (last?.range) {
        const indent = ' '.repeat(value.range[0] - lineStartOffset(document, value.range[0]));
        const end = lineEndOffset(text, Math.max(last.range[1] - 1, last.range[0]));
        return { cidr, edit: insertAt(end, `${lineBreak}${indent}- name: ${name}${lineBreak}${indent}  cidr: ${cidr}`) };
      }
    }
    if (keyRange && (value === null || (isScalar(value) && value.value === null))) {
      const indent = ' '.repeat(keyRange[0] - lineStartOffset(document, keyRange[0]) + 2);
      const end = lineEndOffset(text, keyRange[0]);
      return { cidr, edit: insertAt(end, `${lineBreak}${indent}- name: ${name}${lineBreak}${indent}  cidr: ${cidr}`) };
    }
    return undefined;
  }
  const vmsKey = (model.vmsPair?.key as Node | null | undefined)?.range;
  if (vmsKey && isMap(model.root) && !model.root.flow) {
    const lineStart = lineStartOffset(document, vmsKey[0]);
    const indent = ' '.repeat(vmsKey[0] - lineStart);
    return {
      cidr,
      edit: insertAt(
        lineStart,
        `${indent}networks:${lineBreak}${indent}  - name: ${name}${lineBreak}${indent}    cidr: ${cidr}${lineBreak}`,
      ),
    };
  }
  return undefined;
}
