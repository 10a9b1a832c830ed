// The parts of a lab the lab checks need, read from the YAML AST that yaml-language-server
// already parsed (no second parse). Every value keeps the source span it came from.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

export interface SourceSpan {
  start: number;
  end: number;
}

export interface LabValue<T> {
  value: T;
  /** Where the value is written: the scalar itself, or the alias that stands for it. */
  span: SourceSpan;
  /** The scalar after resolving an alias. */
  node: Scalar;
  viaAlias: boolean;
}

export interface LabNetwork {
  span: SourceSpan;
  name?: LabValue<string>;
  cidr?: LabValue<string>;
  mode?: LabValue<string>;
}

export interface VmNetworkReference {
  span: SourceSpan;
  /** Written as the network's name alone (`- lan`), not as a mapping (`- name: lan`). */
  short?: boolean;
  name?: LabValue<string>;
  ip?: LabValue<string>;
}

export interface LabVm {
  span: SourceSpan;
  map: YAMLMap;
  name?: LabValue<string>;
  vcpu?: LabValue<number>;
  ramMb?: LabValue<number>;
  osImage?: LabValue<string>;
  sshPort?: LabValue<number>;
  vncPort?: LabValue<number>;
  networks: VmNetworkReference[];
  dependsOn: Array<LabValue<string>>;
  ansible?: { value: LabValue<string>; keyColumn: number };
}

export interface LabModel {
  root?: YAMLMap;
  host?: LabValue<string>;
  /** The `networks:` entry of the lab, when present. */
  networksPair?: Pair;
  vmsPair?: Pair;
  networks: LabNetwork[];
  vms: LabVm[];
  /** Entries of the lab's mappings with no key or a null key (`: 5`, `~: 5`). */
  emptyKeys: SourceSpan[];
}

export function spanOf(node: Node | null | undefined): SourceSpan | undefined {
  const range = node?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}

/** Reads a lab from one parsed YAML document. */
export class LabReader {
  // Shared by every alias resolution of one document, so each is a short list scan.
  private readonly aliasContext: { aliasResolveCache?: Node[] } = {};
  /** While reading a VM or network written as an alias (`- *web`), where that alias is. */
  private aliasedItemSpan: SourceSpan | undefined;

  constructor(
    private readonly document: Document,
    private readonly lineStartOf: (offset: number) => number,
  ) {}

  read(): LabModel {
    const model: LabModel = { networks: [], vms: [], emptyKeys: this.emptyKeys };
    const root = this.resolve(this.document.contents as Node | null);
    if (!isMap(root)) return model;
    model.root = root;
    for (const pair of root.items) {
      const key = this.keyOf(pair);
      if (key === 'host') model.host = this.stringValue(pair.value as Node);
      else if (key === 'networks') {
        model.networksPair = pair;
        for (const item of this.sequenceItems(pair.value as Node)) {
          const network = this.asWrittenAt(item, () => this.readNetwork(item));
          if (network) model.networks.push(network);
        }
      } else if (key === 'vms') {
        model.vmsPair = pair;
        for (const item of this.sequenceItems(pair.value as Node)) {
          const vm = this.asWrittenAt(item, () => this.readVm(item));
          if (vm) model.vms.push(vm);
        }
      }
    }
    return model;
  }

  /** Reads an item; when it is an alias, everything read from it is placed on the alias. */
  private asWrittenAt<T>(item: Node, read: () => T): T {
    this.aliasedItemSpan = isAlias(item) ? spanOf(item) : undefined;
    try {
      return read();
    } finally {
      this.aliasedItemSpan = undefined;
    }
  }

  private resolve(node: Node | null | undefined): Node | undefined {
    if (!node) return undefined;
    if (isAlias(node)) return (node.resolve(this.document, this.aliasContext as never) as Node | undefined) ?? undefined;
    return node;
  }

  private readonly emptyKeys: SourceSpan[] = [];
  private readonly emptyKeyStarts = new Set<number>();

  private keyOf(pair: Pair): string | undefined {
    const key = pair.key as Node | null;
    if (key === null || (isScalar(key) && key.value === null)) {
      const span = spanOf(key) ?? spanOf(pair.value as Node | null);
      if (span && !this.emptyKeyStarts.has(span.start)) {
        this.emptyKeyStarts.add(span.start);
        this.emptyKeys.push(span.end > span.start ? span : { start: span.start, end: span.start + 1 });
      }
      return undefined;
    }
    return isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
  }

  private sequenceItems(node: Node | null | undefined): Node[] {
    const sequence = this.resolve(node);
    if (!isSeq(sequence)) return [];
    return (sequence as YAMLSeq<Node>).items.filter((item): item is Node => item !== null && typeof item === 'object');
  }

  private scalarValue(node: Node | null | undefined): { scalar: Scalar; span: SourceSpan; viaAlias: boolean } | undefined {
    if (!node) return undefined;
    const resolved = this.resolve(node);
    if (!isScalar(resolved)) return undefined;
    const span = this.aliasedItemSpan ?? spanOf(node) ?? spanOf(resolved);
    if (!span) return undefined;
    return { scalar: resolved, span, viaAlias: this.aliasedItemSpan !== undefined || isAlias(node) };
  }

  private stringValue(node: Node | null | undefined): LabValue<string> | undefined {
    const found = this.scalarValue(node);
    if (!found || typeof found.scalar.value !== 'string') return undefined;
    return { value: found.scalar.value, span: found.span, node: found.scalar, viaAlias: found.viaAlias };
  }

  private numberValue(node: Node | null | undefined): LabValue<number> | undefined {
    const found = this.scalarValue(node);
    if (!found || typeof found.scalar.value !== 'number') return undefined;
    return { value: found.scalar.value, span: found.span, node: found.scalar, viaAlias: found.viaAlias };
  }

  private readNetwork(item: Node): LabNetwork | undefined {
    const map = this.resolve(item);
    const span = spanOf(item);
    if (!isMap(map) || !span) return undefined;
    const network: LabNetwork = { span };
    for (const pair of map.items) {
      const key = this.keyOf(pair);
      if (key === 'name') network.name = this.stringValue(pair.value as Node);
      else if (key === 'cidr') network.cidr = this.stringValue(pair.value as Node);
      else if (key === 'mode') network.mode = this.stringValue(pair.value as Node);
    }
    return network;
  }

  private readVm(item: Node): LabVm | undefined {
    const map = this.resolve(item);
    const span = spanOf(item);
    if (!isMap(map) || !span) return undefined;
    const vm: LabVm = { span, map, networks: [], dependsOn: [] };
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      const value = pair.value as Node | null;
      switch (this.keyOf(pair)) {
        case 'name':
          vm.name = this.stringValue(value);
          break;
        case 'vcpu':
          vm.vcpu = this.numberValue(value);
          break;
        case 'ram_mb':
          vm.ramMb = this.numberValue(value);
          break;
        case 'os_image':
          vm.osImage = this.stringValue(value);
          break;
        case 'ssh_port':
          vm.sshPort = this.numberValue(value);
          break;
        case 'vnc_port':
          vm.vncPort = this.numberValue(value);
          break;
        case 'networks':
          for (const entry of this.sequenceItems(value)) {
            const entrySpan = spanOf(entry);
            if (!entrySpan) continue;
            const resolved = this.resolve(entry);
            if (isMap(resolved)) {
              const reference: VmNetworkReference = { span: entrySpan };
              for (const inner of resolved.items) {
                const innerKey = this.keyOf(inner);
                if (innerKey === 'name') reference.name = this.stringValue(inner.value as Node);
                else if (innerKey === 'ip') reference.ip = this.stringValue(inner.value as Node);
              }
              vm.networks.push(reference);
            } else {
              const name = this.stringValue(entry);
              if (name) vm.networks.push({ span: entrySpan, name, short: true });
            }
          }
          break;
        case 'depends_on':
          for (const entry of this.sequenceItems(value)) {
            const name = this.stringValue(entry);
            if (name) vm.dependsOn.push(name);
          }
          break;
        case 'ansible_config_yaml': {
          const text = this.stringValue(value);
          const keyStart = spanOf(pair.key as Node)?.start;
          if (text && keyStart !== undefined) {
            vm.ansible = { value: text, keyColumn: keyStart - this.lineStartOf(keyStart) };
          }
          break;
        }
        default:
          break;
      }
    }
    return vm;
  }
}
