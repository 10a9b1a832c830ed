// Stable codes of the semantic checks. Users and tests match on them; never renumber.
export const diagnosticCodes = {
  duplicateName: 'vlm-duplicate-name',
  undefinedNetwork: 'vlm-undefined-network',
  undefinedVm: 'vlm-undefined-vm',
  dependencyCycle: 'vlm-dependency-cycle',
  portCollision: 'vlm-port-collision',
  portOutOfRange: 'vlm-port-out-of-range',
  unknownImage: 'vlm-unknown-image',
  invalidCidr: 'vlm-invalid-cidr',
  overlappingCidr: 'vlm-overlapping-cidr',
  reservedCidr: 'vlm-reserved-cidr',
  addressOutsideNetwork: 'vlm-address-outside-network',
  invalidAnsible: 'vlm-invalid-ansible',
  overCapacity: 'vlm-over-capacity',
  documentTooLarge: 'vlm-document-too-large',
  aliasLimit: 'vlm-alias-limit',
  nestingTooDeep: 'vlm-nesting-too-deep',
  notText: 'vlm-not-text',
  yamlSyntax: 'vlm-yaml-syntax',
  internalError: 'vlm-internal-error',
} as const;

export type DiagnosticCode = (typeof diagnosticCodes)[keyof typeof diagnosticCodes];
