// Custom messages between the VLM extension and the lab language server. Shared by both sides,
// so it imports only protocol types, never server code.
import { RequestType } from 'vscode-languageserver-protocol';
import type { HostFacts, TopologyLab } from '@vlm/schemas';

export type { HostFacts } from '@vlm/schemas';

/** Settings the server pulls per document with workspace/configuration, section `vlm`. */
export interface LabServerSettings {
  validation: {
    /** `vlm.validation.enable`: publish diagnostics for lab files. */
    enable: boolean;
  };
}

export const settingsSection = 'vlm';

export const defaultLabServerSettings: LabServerSettings = { validation: { enable: true } };

/**
 * Facts of the target host (or null when none are known). Facts turn the capacity check on,
 * null turns it off; open documents are validated again either way.
 */
export namespace HostFactsRequest {
  export const method: 'vlm/setHostFacts' = 'vlm/setHostFacts';
  export const type = new RequestType<HostFacts | null, null, void>(method);
}

/**
 * The images `os_image` may name: an image catalog, or a host's image list (`vlm/images/list`),
 * since only the names are read.
 */
export interface CatalogImages {
  images: ReadonlyArray<{ name: string }>;
}

/** Replaces the image catalog `os_image` is checked against (a host may add images). */
export namespace CatalogRequest {
  export const method: 'vlm/setCatalog' = 'vlm/setCatalog';
  export const type = new RequestType<CatalogImages, null, void>(method);
}

/**
 * What the Lab Topology panel draws of an open lab document, read from the same parse as the
 * checks; null when the server does not have the document open, or refused it as too large or deep.
 */
export namespace LabTopologyRequest {
  export const method: 'vlm/labTopology' = 'vlm/labTopology';
  export const type = new RequestType<{ uri: string }, TopologyLab | null, void>(method);
}
