// Stable codes of the lab rules. Users, quick fixes and tests match on them; never renumber.
export const labRuleCodes = {
  duplicateName: 'vlm-duplicate-name',
  undefinedNetwork: 'vlm-undefined-network',
  undefinedVm: 'vlm-undefined-vm',
  dependencyCycle: 'vlm-dependency-cycle',
  portCollision: 'vlm-port-collision',
  portOutOfRange: 'vlm-port-out-of-range',
  portHeldElsewhere: 'vlm-port-held-elsewhere',
  unknownImage: 'vlm-unknown-image',
  invalidCidr: 'vlm-invalid-cidr',
  overlappingCidr: 'vlm-overlapping-cidr',
  reservedCidr: 'vlm-reserved-cidr',
  addressOutsideNetwork: 'vlm-address-outside-network',
  duplicateAddress: 'vlm-duplicate-address',
  overCapacity: 'vlm-over-capacity',
} as const;

export type LabRuleCode = (typeof labRuleCodes)[keyof typeof labRuleCodes];
