// Messages about base images: list and pull, with pull progress.
import { ProgressType } from 'vscode-jsonrpc';
import { request } from './message-types';
import type { ImagePullParams, ImageSummary, NoParams } from './shapes';

export namespace ImagesListRequest {
  export const method = 'vlm/images/list' as const;
  export const type = request<NoParams, { images: ImageSummary[] }>(method);
}

/** Downloads (checked against the catalog's checksum list) or builds an image; an image already present is not fetched again. */
export namespace ImagesPullRequest {
  export const method = 'vlm/images/pull' as const;
  export const type = request<ImagePullParams, ImageSummary>(method);
}
/**
 * Progress of a long request whose params carry a `workDoneToken`, host → client, shaped like
 * LSP's work-done progress: one 'begin', any number of 'report', one 'end'. Handle it with
 * `connection.onProgress(WorkDoneProgress.type, token, handler)`.
 */
export interface WorkDoneProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  /** 0-100, when the total is known. */
  percentage?: number;
}
export namespace WorkDoneProgress {
  export const type = new ProgressType<WorkDoneProgressValue>();
}
