// Stable codes of the editor's diagnostics: the lab rules' own (from @vlm/schemas), then those of
// the editor's checks. Users and tests match on them; never renumber.
import { labRuleCodes } from '@vlm/schemas';

export const diagnosticCodes = {
  ...labRuleCodes,
  invalidAnsible: 'vlm-invalid-ansible',
  documentTooLarge: 'vlm-document-too-large',
  aliasLimit: 'vlm-alias-limit',
  aliasCycle: 'vlm-alias-cycle',
  nestingTooDeep: 'vlm-nesting-too-deep',
  notText: 'vlm-not-text',
  yamlSyntax: 'vlm-yaml-syntax',
  emptyLab: 'vlm-empty-lab',
  missingField: 'vlm-missing-field',
  unknownField: 'vlm-unknown-field',
  wrongType: 'vlm-wrong-type',
  invalidValue: 'vlm-invalid-value',
  outOfRange: 'vlm-out-of-range',
  itemCount: 'vlm-item-count',
  duplicateItem: 'vlm-duplicate-item',
  tooManyProblems: 'vlm-too-many-problems',
  internalError: 'vlm-internal-error',
} as const;

export type DiagnosticCode = (typeof diagnosticCodes)[keyof typeof diagnosticCodes];
