// The elements VLM puts in the <metadata> of what it makes: <vlm:lab lab=".." vm=".."
// data-directory=".."/> in each domain and <vlm:network lab=".." network=".." data-directory=".."/>
// in each lab network. They are VLM's proof of authorship: a sweep removes only what carries its
// own data directory's mark, and a domain without it is someone else's, acted on only when the
// user names it (vms/delete's confirmForeign).
import { isAbsolute, resolve } from 'node:path';
import { isValidName } from '@vlm/schemas';
import { HypervisorError, type VlmMetadata, type VlmNetworkMetadata } from './hypervisor';
import { escapeXml } from './xml-text';
import { child, parseXml, type XmlElement } from './xml-parse';

export const vlmMetadataNamespace = 'urn:vlm:libvirt-metadata:1';
export const vlmMetadataPrefix = 'vlm';

function checkNames(names: Record<string, string>): void {
  for (const [field, value] of Object.entries(names)) {
    if (!isValidName(value)) {
      throw new HypervisorError(
        'invalid-argument',
        `Invalid ${field} name ${JSON.stringify(value)} for VLM metadata: use a DNS label (a-z, 0-9, '-')`,
      );
    }
  }
}

function checkDataDirectory(path: string): string {
  if (typeof path !== 'string' || !isAbsolute(path)) {
    throw new HypervisorError(
      'invalid-argument',
      `Invalid data directory ${JSON.stringify(path)} for VLM metadata: it must be an absolute path`,
    );
  }
  return resolve(path);
}

export function checkVlmMetadata(metadata: VlmMetadata): VlmMetadata {
  checkNames({ lab: metadata.lab, vm: metadata.vm });
  if (metadata.dataDirectory !== undefined) checkDataDirectory(metadata.dataDirectory);
  return metadata;
}

function element(tag: string, attributes: Record<string, string>): string {
  const text = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return `<${vlmMetadataPrefix}:${tag} xmlns:${vlmMetadataPrefix}="${escapeXml(vlmMetadataNamespace)}"${text}/>`;
}

/** The domain's element as it goes inside <metadata> (or to Domain.SetMetadata). */
export function buildVlmMetadataElement(metadata: VlmMetadata): string {
  checkVlmMetadata(metadata);
  return element('lab', {
    lab: metadata.lab,
    vm: metadata.vm,
    ...(metadata.dataDirectory === undefined ? {} : { 'data-directory': resolve(metadata.dataDirectory) }),
  });
}

/** The lab network's element as it goes inside the network's <metadata>. */
export function buildVlmNetworkMetadataElement(metadata: VlmNetworkMetadata): string {
  checkNames({ lab: metadata.lab, network: metadata.network });
  return element('network', { lab: metadata.lab, network: metadata.network, 'data-directory': checkDataDirectory(metadata.dataDirectory) });
}

/** True for an element in VLM's namespace (whatever prefix libvirt gave it). */
function isVlmElement(item: XmlElement, tag: string): boolean {
  return (
    item.name.endsWith(`:${tag}`) &&
    Object.entries(item.attributes).some(([key, value]) => key.startsWith('xmlns') && value === vlmMetadataNamespace)
  );
}

function domainMetadataOf(item: XmlElement): VlmMetadata | undefined {
  const lab = item.attributes.lab;
  const vm = item.attributes.vm;
  if (lab === undefined || vm === undefined) return undefined;
  const dataDirectory = item.attributes['data-directory'];
  return dataDirectory === undefined ? { lab, vm } : { lab, vm, dataDirectory };
}

/** Reads what Domain.GetMetadata returns for our namespace; undefined if it is not ours or malformed. */
export function parseVlmMetadataElement(xml: string): VlmMetadata | undefined {
  try {
    const item = parseXml(xml);
    return item.name.endsWith(':lab') ? domainMetadataOf(item) : undefined;
  } catch {
    return undefined;
  }
}

/** VLM's element in a parsed domain's <metadata>, if there is one. */
export function vlmMetadataOfDomain(domain: XmlElement): VlmMetadata | undefined {
  const found = child(domain, 'metadata')?.children.find((item) => isVlmElement(item, 'lab'));
  return found ? domainMetadataOf(found) : undefined;
}

/** VLM's element in a network's XML; undefined when it has none or the XML does not parse. */
export function vlmMetadataOfNetwork(xml: string): VlmNetworkMetadata | undefined {
  try {
    const found = child(parseXml(xml), 'metadata')?.children.find((item) => isVlmElement(item, 'network'));
    const lab = found?.attributes.lab;
    const name = found?.attributes.network;
    const dataDirectory = found?.attributes['data-directory'];
    return lab === undefined || name === undefined || dataDirectory === undefined ? undefined : { lab, network: name, dataDirectory };
  } catch {
    return undefined;
  }
}

/** True when the mark says the vlm-host of `dataDirectory` made it. */
export function madeByDataDirectory(mark: { dataDirectory?: string } | undefined, dataDirectory: string): boolean {
  return mark?.dataDirectory !== undefined && mark.dataDirectory === resolve(dataDirectory);
}
