// Messages about labs: list, read, plan, apply, destroy, export (as a lab file or as Terraform),
// and sweep what no lab owns.
import type { Lab } from '../generated-types';
import { request } from './message-types';
import type { LabDefinitionParams, LabDetails, LabNameParams, LabSummary, LabSweepParams, NoParams, PlanResult } from './shapes';

export namespace LabsListRequest {
  export const method = 'vlm/labs/list' as const;
  export const type = request<NoParams, { labs: LabSummary[] }>(method);
}
export namespace LabsGetRequest {
  export const method = 'vlm/labs/get' as const;
  export const type = request<LabNameParams, LabDetails>(method);
}
export namespace LabsPlanRequest {
  export const method = 'vlm/labs/plan' as const;
  export const type = request<LabDefinitionParams, PlanResult>(method);
}
export namespace LabsApplyRequest {
  export const method = 'vlm/labs/apply' as const;
  export const type = request<LabDefinitionParams, PlanResult>(method);
}
export namespace LabsDestroyRequest {
  export const method = 'vlm/labs/destroy' as const;
  export const type = request<LabNameParams, PlanResult>(method);
}
/** A libvirt object or file VLM made that no lab recorded on this host owns. */
export interface SweepLeftover {
  kind: 'domain' | 'volume' | 'network' | 'seed' | 'pool';
  /** The libvirt name; for a volume "pool/name"; for a seed the file's path; for a pool the storage pool's name. */
  name: string;
  /** The proof that VLM made it: the mark VLM wrote in it, or its place in this host's own pool. */
  reason: string;
}
export interface LabSweepResult {
  leftovers: SweepLeftover[];
  /** True when they were removed (params.remove), false for a dry run. */
  removed: boolean;
}
/**
 * Lists, or with `remove` removes, leftovers that no lab recorded on this host owns and that VLM can
 * prove it made here: domains and networks whose VLM metadata names this host's data directory,
 * volumes and seeds in this host's pool, and `vlm-*` storage pools whose folder is gone. A name
 * alone is never proof.
 */
export namespace LabsSweepRequest {
  export const method = 'vlm/labs/sweep' as const;
  export const type = request<LabSweepParams, LabSweepResult>(method);
}
export namespace LabsExportRequest {
  export const method = 'vlm/labs/export' as const;
  export const type = request<LabNameParams, { lab: Lab }>(method);
}
/** A recorded lab as Terraform JSON for dmacvicar/libvirt ~> 0.9.7. */
export interface LabTerraformExport {
  /** Always main.tf.json. */
  fileName: string;
  /** The file's text: Terraform's JSON syntax. */
  text: string;
  /** What the provider cannot express, one sentence each; the file's "//" comment says the same. */
  unexpressed: string[];
}
export namespace LabsExportTerraformRequest {
  export const method = 'vlm/labs/exportTerraform' as const;
  export const type = request<LabNameParams, LabTerraformExport>(method);
}
