// Images: each VM's os_image is in the catalog it is checked against (the built-in one, or a
// host's, which adds images of its own).
import { labRuleCodes } from './codes';
import type { RuleContext, RuleLab } from './finding';

export function checkImages(lab: RuleLab, context: RuleContext): void {
  const known = new Set(context.imageNames);
  (lab.vms ?? []).forEach((vm, index) => {
    const image = vm.os_image;
    if (image === undefined || known.has(image)) return;
    const closest = context.suggestions.closest(image, context.imageNames);
    context.report({
      code: labRuleCodes.unknownImage,
      path: ['vms', index, 'os_image'],
      message: `Image '${image}' is not in the catalog. Catalog images: ${context.imageNames.join(', ') || '(none)'}.${closest ? ` Closest: '${closest}'.` : ''}`,
      data: { kind: 'unknown-image', image },
    });
  });
}
