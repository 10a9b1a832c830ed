// The errors the host answers with: JSON-RPC codes and the data that names what was wrong.
import type { LabSnapshotVmOutcome } from './lab-snapshot-messages';

/** Numeric codes of the errors the host answers with (JSON-RPC `error.code`). */
export const HostErrorCode = {
  /** A param is missing, has the wrong type or shape, or a value is outside what is allowed. */
  InvalidParams: -32602,
  /** The method does not exist. */
  MethodNotFound: -32601,
  InternalError: -32603,
  /** The request body exceeds maximumRequestBytes; it was skipped unread and the connection goes on. */
  RequestTooLarge: -32001,
  /** The lab, VM, snapshot, image or console named does not exist. */
  NotFound: -32002,
  /** The operation does not fit the object's state (e.g. starting a running VM). */
  InvalidState: -32003,
  AlreadyExists: -32004,
  /** The method is part of the protocol but this host does not implement it yet. */
  NotImplemented: -32005,
  /** libvirt cannot be reached, or failed. */
  HypervisorError: -32006,
  /** The lab file is valid JSON Schema-wise but inconsistent (unknown network, cycle, ...). */
  InvalidLab: -32008,
  /** On a TCP (--listen) connection: the first request was not vlm/authenticate with the right token. The host closes the connection. */
  Unauthenticated: -32010,
  /** The client cancelled the request. Same as vscode-jsonrpc's RequestCancelled. */
  RequestCancelled: -32800,
} as const;
export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

/** `error.data` of every error the host answers with. */
export interface HostErrorData {
  /** Symbolic form of the code, e.g. "invalid-params". */
  kind: string;
  /** JSON pointer into the request params of the offending value ("" for the whole params). */
  field?: string;
  /** What would have been accepted there, in words. */
  allowed?: string;
  /** For InvalidLab: every problem found, each with its own pointer into the lab. */
  problems?: { field: string; message: string }[];
  /** For a lab snapshot operation that failed part-way: where each VM of the lab is now. */
  vms?: LabSnapshotVmOutcome[];
}
