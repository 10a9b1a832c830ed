// Lab networks: each range valid, usable and apart from the others; each VM's network declared;
// each static address a free host address of its network.
import { type Cidr, cidrsOverlap, formatCidr, formatIpv4, parseCidr, parseIpv4, reservedRangeProblem, staticAddressProblem } from '../ipv4';
import { labRuleCodes } from './codes';
import { didYouMean, type RuleContext, type RuleLab } from './finding';
import type { LabNames } from './names';

/** Checks every network's range, then their overlaps; returns the range of each named network. */
export function checkNetworkRanges(lab: RuleLab, context: RuleContext): Map<string, Cidr> {
  const cidrByNetwork = new Map<string, Cidr>();
  const valid: Array<{ cidr: Cidr; name: string; index: number }> = [];
  (lab.networks ?? []).forEach((network, index) => {
    if (network.cidr === undefined) return;
    const path = ['networks', index, 'cidr'];
    const parsed = parseCidr(network.cidr);
    if (!parsed.ok) {
      context.report({ code: labRuleCodes.invalidCidr, path, message: `Invalid cidr: ${parsed.problem}.` });
      return;
    }
    const reserved = reservedRangeProblem(parsed.value);
    if (reserved) {
      context.report({ code: labRuleCodes.reservedCidr, path, message: `Invalid cidr: ${reserved}.` });
      return;
    }
    valid.push({ cidr: parsed.value, name: network.name ?? '(unnamed)', index });
    if (network.name !== undefined && !cidrByNetwork.has(network.name)) cidrByNetwork.set(network.name, parsed.value);
  });
  // A sweep in order of first address: a range overlaps an earlier one when it starts before
  // the furthest end seen so far. The later of the two in the lab is flagged.
  const byStart = [...valid].sort((left, right) => left.cidr.first - right.cidr.first || left.index - right.index);
  let widest: (typeof valid)[number] | undefined;
  for (const network of byStart) {
    if (widest && cidrsOverlap(widest.cidr, network.cidr)) {
      const [earlier, later] = widest.index < network.index ? [widest, network] : [network, widest];
      context.report({
        code: labRuleCodes.overlappingCidr,
        path: ['networks', later.index, 'cidr'],
        message:
          `Network '${later.name}' (${formatCidr(later.cidr)}) overlaps network '${earlier.name}' (${formatCidr(earlier.cidr)}) ${context.where(['networks', earlier.index, 'cidr'])}. ` +
          'Subnets of one lab must not overlap.',
      });
    }
    if (!widest || network.cidr.last > widest.cidr.last) widest = network;
  }
  return cidrByNetwork;
}

/** Each VM's networks declared in the lab, and its static addresses inside them and unshared. */
export function checkNetworkReferences(lab: RuleLab, names: LabNames, cidrByNetwork: Map<string, Cidr>, context: RuleContext): void {
  const declared = [...names.networks.keys()];
  const addressHolders = new Map<string, string>();
  (lab.vms ?? []).forEach((vm, vmIndex) => {
    (vm.networks ?? []).forEach((reference, position) => {
      const referencePath = ['vms', vmIndex, 'networks', position];
      const name = typeof reference === 'string' ? reference : reference.name;
      if (name === undefined) return;
      if (!names.networks.has(name)) {
        const listed = declared.length > 0 ? `Declared networks: ${declared.join(', ')}.` : 'The lab declares no networks.';
        context.report({
          code: labRuleCodes.undefinedNetwork,
          path: typeof reference === 'string' ? referencePath : [...referencePath, 'name'],
          message: `Network '${name}' is not declared in the lab's networks. ${listed}${didYouMean(context, name, declared)}`,
          data: { kind: 'undefined-network', name },
        });
        return;
      }
      const cidr = cidrByNetwork.get(name);
      if (typeof reference === 'string' || reference.ip === undefined || !cidr) return;
      const path = [...referencePath, 'ip'];
      const address = parseIpv4(reference.ip);
      const problem = address.ok ? staticAddressProblem(name, cidr, address.value) : address.problem;
      if (problem) {
        context.report({ code: labRuleCodes.addressOutsideNetwork, path, message: `Invalid ip: ${problem}.` });
        return;
      }
      // Compared as numbers: 10.0.0.010 is 10.0.0.10.
      const key = `${name} ${formatIpv4(address.ok ? address.value : 0)}`;
      const holder = addressHolders.get(key);
      if (holder === undefined) addressHolders.set(key, vm.name ?? '(unnamed)');
      else {
        context.report({
          code: labRuleCodes.duplicateAddress,
          path,
          message: `${reference.ip} on network "${name}" is also given to VM "${holder}". Each VM needs its own address.`,
        });
      }
    });
  });
}
