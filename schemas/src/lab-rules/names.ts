// Names unique in the lab: a second VM or network of one name is flagged, the first one wins.
import { labRuleCodes } from './codes';
import type { RuleContext, RuleLab } from './finding';

/** The lab's network and VM names, each with the index of its first holder. */
export interface LabNames {
  networks: Map<string, number>;
  vms: Map<string, number>;
}

export function checkNames(lab: RuleLab, context: RuleContext): LabNames {
  const names: LabNames = { networks: new Map(), vms: new Map() };
  for (const [entity, items, owners] of [
    ['network', lab.networks ?? [], names.networks],
    ['vm', lab.vms ?? [], names.vms],
  ] as const) {
    const title = entity === 'vm' ? 'VM' : 'Network';
    const kind = entity === 'vm' ? 'vms' : 'networks';
    items.forEach((item, index) => {
      if (item.name === undefined) return;
      const first = owners.get(item.name);
      if (first === undefined) {
        owners.set(item.name, index);
        return;
      }
      const what = entity === 'vm' ? 'VM' : 'network';
      context.report({
        code: labRuleCodes.duplicateName,
        path: [kind, index, 'name'],
        message: `${title} name '${item.name}' is already used by the ${what} ${context.where([kind, first, 'name'])}. ${title} names must be unique in the lab.`,
        data: { kind: 'duplicate-name', entity, name: item.name },
      });
    });
  }
  return names;
}
