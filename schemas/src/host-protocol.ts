// The VLM host API: JSON-RPC 2.0 (vscode-jsonrpc) over a Unix socket between vlm-host and its
// clients (the extension, the CLI). Each message is a namespace with a literal `method` and a
// typed RequestType or NotificationType. Every request's params are validated by the host
// against host-protocol.schema.json before anything runs.
//
// A client: connect to the socket, wrap it in StreamMessageReader/Writer, then
// `sendRequest(HostInfoRequest.type, {})`. For live state, handle EventNotification and send
// EventsSubscribeRequest; after a reconnect, subscribe with `afterSequence` = the last sequence
// seen; if the answer says `complete: false`, re-read what you show. Use this module's vscode-jsonrpc
// (the hoisted 8.2.1): RequestTypes from another copy of the library do not work with it.
import hostProtocolSchemaJson from '../host-protocol.schema.json';
import {
  ConsolesAckRequest,
  ConsolesCloseRequest,
  ConsolesOpenRequest,
  ConsolesResizeRequest,
  ConsolesWriteRequest,
} from './host-protocol/console-messages';
import { EventsSubscribeRequest } from './host-protocol/event-messages';
import { AuthenticateRequest, HostInfoRequest } from './host-protocol/host-messages';
import { ImagesListRequest, ImagesPullRequest } from './host-protocol/image-messages';
import { MetricsGetRequest, MetricsSubscribeRequest } from './host-protocol/metrics-messages';
import { VmsRunningIntervalsRequest } from './host-protocol/running-time-messages';
import {
  LabSnapshotsCreateRequest,
  LabSnapshotsDeleteRequest,
  LabSnapshotsListRequest,
  LabSnapshotsRevertRequest,
} from './host-protocol/lab-snapshot-messages';
import {
  LabsApplyRequest,
  LabsDestroyRequest,
  LabsExportRequest,
  LabsExportTerraformRequest,
  LabsGetRequest,
  LabsListRequest,
  LabsPlanRequest,
  LabsSweepRequest,
} from './host-protocol/lab-messages';
import {
  SnapshotsCreateRequest,
  SnapshotsDeleteRequest,
  SnapshotsListRequest,
  SnapshotsRevertRequest,
  VmsDeleteRequest,
  VmsForceStopRequest,
  VmsListRequest,
  VmsRebootRequest,
  VmsResumeRequest,
  VmsStartRequest,
  VmsStopRequest,
  VmsVncCredentialsRequest,
} from './host-protocol/vm-messages';

export * from './host-protocol/console-messages';
export * from './host-protocol/errors';
export * from './host-protocol/event-messages';
export * from './host-protocol/host-messages';
export * from './host-protocol/image-messages';
export * from './host-protocol/lab-messages';
export * from './host-protocol/metrics-messages';
export * from './host-protocol/lab-snapshot-messages';
export * from './host-protocol/running-time-messages';
export type * from './host-protocol/shapes';
export * from './host-protocol/vm-messages';

/** Bumped when a change would break existing clients. */
export const hostProtocolVersion = 1;

export const hostProtocolSchema: Record<string, unknown> = hostProtocolSchemaJson;
export const hostProtocolSchemaId: string = hostProtocolSchemaJson.$id;

/** Largest request (one JSON-RPC message body) the host accepts, in bytes. */
export const maximumRequestBytes = 4 * 1024 * 1024;

/** Every request method, with the definition in host-protocol.schema.json its params must match. */
export const hostRequestParams = {
  [HostInfoRequest.method]: 'NoParams',
  [LabsListRequest.method]: 'NoParams',
  [LabsGetRequest.method]: 'LabNameParams',
  [LabsPlanRequest.method]: 'LabDefinitionParams',
  [LabsApplyRequest.method]: 'LabDefinitionParams',
  [LabsDestroyRequest.method]: 'LabNameParams',
  [LabsExportRequest.method]: 'LabNameParams',
  [LabsExportTerraformRequest.method]: 'LabNameParams',
  [LabsSweepRequest.method]: 'LabSweepParams',
  [VmsListRequest.method]: 'VmListParams',
  [VmsStartRequest.method]: 'VmParams',
  [VmsStopRequest.method]: 'VmParams',
  [VmsForceStopRequest.method]: 'VmParams',
  [VmsRebootRequest.method]: 'VmParams',
  [VmsResumeRequest.method]: 'VmParams',
  [VmsDeleteRequest.method]: 'VmDeleteParams',
  [VmsVncCredentialsRequest.method]: 'VmParams',
  [VmsRunningIntervalsRequest.method]: 'RunningIntervalsParams',
  [SnapshotsCreateRequest.method]: 'SnapshotCreateParams',
  [SnapshotsListRequest.method]: 'VmParams',
  [SnapshotsRevertRequest.method]: 'SnapshotParams',
  [SnapshotsDeleteRequest.method]: 'SnapshotParams',
  [LabSnapshotsCreateRequest.method]: 'LabSnapshotCreateParams',
  [LabSnapshotsListRequest.method]: 'LabSnapshotListParams',
  [LabSnapshotsRevertRequest.method]: 'LabSnapshotParams',
  [LabSnapshotsDeleteRequest.method]: 'LabSnapshotParams',
  [ImagesListRequest.method]: 'NoParams',
  [ImagesPullRequest.method]: 'ImagePullParams',
  [AuthenticateRequest.method]: 'AuthenticateParams',
  [ConsolesOpenRequest.method]: 'ConsoleOpenParams',
  [ConsolesWriteRequest.method]: 'ConsoleWriteParams',
  [ConsolesResizeRequest.method]: 'ConsoleResizeParams',
  [ConsolesCloseRequest.method]: 'ConsoleCloseParams',
  [ConsolesAckRequest.method]: 'ConsoleAckParams',
  [EventsSubscribeRequest.method]: 'EventsSubscribeParams',
  [MetricsGetRequest.method]: 'MetricsGetParams',
  [MetricsSubscribeRequest.method]: 'MetricsSubscribeParams',
} as const;
export type HostRequestMethod = keyof typeof hostRequestParams;
