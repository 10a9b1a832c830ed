// The shared contracts: the lab schema, the image catalog and the types derived from them.
import labSchemaJson from '../lab.schema.json';
import imageCatalogSchemaJson from '../image-catalog.schema.json';
import { builtInImageCatalog } from './image-catalog';
import type { CatalogImage, ImageCatalog } from './generated-types';

export type * from './generated-types';

export const labSchema: Record<string, unknown> = labSchemaJson;
export const labSchemaId: string = labSchemaJson.$id;
export const imageCatalogSchema: Record<string, unknown> = imageCatalogSchemaJson;

/** The CPU percent below which a VM counts as idle when a lab does not say: the schema's default, written there once. */
export const defaultIdleCpuPercent: number = labSchemaJson.properties.idle_cpu_percent.default;

export { builtInImageCatalog, extendBuiltInCatalog, parseImageCatalog } from './image-catalog';

export function imageNames(catalog: ImageCatalog = builtInImageCatalog): string[] {
  return catalog.images.map((image: CatalogImage) => image.name);
}

/** Names of labs, VMs and networks: DNS labels, since they reach XML, paths and shells. */
export const namePattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
export const nameMaxLength = 63;

export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= nameMaxLength && namePattern.test(value);
}

export { portRanges, type PortField } from './ports';
export { checkLabRules, labRuleCodes } from './lab-rules';
export type {
  HostFacts,
  LabFinding,
  LabFindingData,
  LabPath,
  LabRuleCode,
  LabRuleOptions,
  RuleLab,
  RuleNetwork,
  RuleNetworkReference,
  RuleVm,
} from './lab-rules';
export { closestNames, editDistance, isLikelyTypo, nameDistance, SuggestionBudget } from './name-distance';

export {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  hostAddressOf,
  parseCidr,
  parseIpv4,
  prefixRange,
  reservedRangeProblem,
  reservedRanges,
  staticAddressProblem,
} from './ipv4';
export type { Cidr, ParseResult } from './ipv4';
