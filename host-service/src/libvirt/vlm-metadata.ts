// The <vlm:lab lab=".." vm=".."/> element VLM puts in each domain's <metadata>, so a sweep can
// find every domain a lab made even when the host service's own state is lost.
import { isValidName } from '@vlm/schemas';
import { HypervisorError, type VlmMetadata } from './hypervisor';
import { escapeXml } from './xml-text';
import { parseXml } from './xml-parse';

export const vlmMetadataNamespace = 'urn:vlm:libvirt-metadata:1';
export const vlmMetadataPrefix = 'vlm';

export function checkVlmMetadata(metadata: VlmMetadata): VlmMetadata {
  for (const [field, value] of Object.entries({ lab: metadata.lab, vm: metadata.vm })) {
    if (!isValidName(value)) {
      throw new HypervisorError('invalid-argument', `Invalid ${field} name ${JSON.stringify(value)} for VLM metadata: use a DNS label (a-z, 0-9, '-')`);
    }
  }
  return metadata;
}

/** The element as it goes inside <metadata> (or to Domain.SetMetadata). */
export function buildVlmMetadataElement(metadata: VlmMetadata): string {
  checkVlmMetadata(metadata);
  return `<${vlmMetadataPrefix}:lab xmlns:${vlmMetadataPrefix}="${escapeXml(vlmMetadataNamespace)}" lab="${escapeXml(metadata.lab)}" vm="${escapeXml(metadata.vm)}"/>`;
}

/** Reads what Domain.GetMetadata returns for our namespace; undefined if it is not ours or malformed. */
export function parseVlmMetadataElement(xml: string): VlmMetadata | undefined {
  try {
    const element = parseXml(xml);
    const lab = element.attributes['lab'];
    const vm = element.attributes['vm'];
    return element.name.endsWith(':lab') && lab !== undefined && vm !== undefined ? { lab, vm } : undefined;
  } catch {
    return undefined;
  }
}
