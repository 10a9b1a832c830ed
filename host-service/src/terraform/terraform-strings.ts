// Text rules of Terraform's JSON syntax: every string value is a template, so literal `${` and
// `%{` (common in cloud-init and shell text) must be written `$${` and `%%{`, and resource names
// must be identifiers. Kept apart so the exporter and its tests share one rule.
import { isValidName } from '@vlm/schemas';

/** A literal string as a Terraform JSON template that evaluates back to exactly it. */
export function templateLiteral(text: string): string {
  // Replacer functions: in a replacement string, `$$` would mean one `$`.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** What templateLiteral undoes: the text Terraform would evaluate an escape-only template to. */
export function literalOfTemplate(template: string): string {
  return template.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
}

/** A reference expression, such as `${libvirt_cloudinit_disk.seed_web.path}`. */
export function reference(address: string, attribute: string): string {
  return `\${${address}.${attribute}}`;
}

/**
 * A Terraform resource label from a lab part's name. Lab names are DNS labels, which may start
 * with a digit; Terraform labels may not, so each kind gets a prefix. Anything else is refused.
 */
export function resourceLabel(prefix: 'vm' | 'disk' | 'seed' | 'cloudinit' | 'net', name: string): string {
  if (!isValidName(name)) throw new Error(`Refusing to export a lab part named ${JSON.stringify(name)}: not a valid lab name.`);
  const label = `${prefix}_${name}`;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(label)) throw new Error(`Refusing to make the Terraform label ${JSON.stringify(label)}.`);
  return label;
}
