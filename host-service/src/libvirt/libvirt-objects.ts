// What the per-kind modules share about libvirt-dbus objects: lookup by name, how object paths
// name UUIDs, how property bags unpack, reading an object's XML, libvirt's sizes in bytes, and
// listings that read many objects at once within the bus's limit on pending replies.
import { pendingCallLimit } from './bus-pending-calls';
import { connectInterface, listAllFlags, propertiesInterface } from './constants';
import { type DbusRequest, variantValue } from './dbus-call';
import { HypervisorError, type HypervisorErrorCode, type NetworkSummary } from './hypervisor';
import type { LibvirtCall } from './libvirt-connection';

/**
 * Concurrent per-object calls in a listing: as many as the bus takes at once (dbusCall keeps the
 * whole connection within the system bus's limit, whatever else runs).
 */
export const listingConcurrency = pendingCallLimit;

export type Properties = Record<string, unknown>;

export function unpackProperties(value: unknown): Properties {
  const properties: Properties = {};
  for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    properties[key] = variantValue(item);
  }
  return properties;
}

/** libvirt-dbus names domain objects after their UUID: /.../domain/_6695eb01_f6a4_... */
export function uuidFromObjectPath(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return (last.startsWith('_') ? last.slice(1) : last).replaceAll('_', '-');
}

/**
 * Maps `items` with at most `limit` calls in flight; results keep the items' order. Freed places
 * are refilled half of `limit` at a time, so the calls go out in a few large socket writes, not
 * one per reply or two (a cold listing of 1001 domains: about 30 writes instead of 130, each one
 * waking the bus). The first failure rejects, and no further item is mapped.
 */
export function mapConcurrent<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  // Below one, nothing would ever start and the promise would never settle.
  if (!Number.isInteger(limit) || limit < 1)
    return Promise.reject(new RangeError(`mapConcurrent's limit must be a whole number of at least 1, not ${limit}.`));
  const results = new Array<R>(items.length);
  const refillAt = limit - Math.max(1, Math.floor(limit / 2));
  let next = 0;
  let running = 0;
  let failed = false;
  return new Promise<R[]>((resolve, reject) => {
    const settle = (index: number, result: R) => {
      results[index] = result;
      running--;
      if (next < items.length) {
        if (running <= refillAt) launch();
      } else if (running === 0) resolve(results);
    };
    const fail = (error: unknown) => {
      failed = true;
      reject(error);
    };
    const launch = () => {
      while (!failed && running < limit && next < items.length) {
        const index = next++;
        running++;
        let mapped: Promise<R>;
        try {
          mapped = map(items[index] as T);
        } catch (error) {
          fail(error);
          return;
        }
        mapped.then((result) => settle(index, result), fail);
      }
    };
    if (items.length === 0) resolve(results);
    else launch();
  });
}

const unitFactors: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1e6,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1e9,
};

/** A libvirt size in `unit` (an unknown unit counts as KiB, libvirt's default) in bytes. */
export function toBytes(value: number, unit: string): number {
  return value * (unitFactors[unit.toLowerCase()] ?? 1024);
}

/** Networks and storage pools answer the same properties: one GetAll reads them. */
export async function readObjectSummary(call: LibvirtCall, path: string, interfaceName: string): Promise<NetworkSummary> {
  const [body] = await call({
    path,
    interface: propertiesInterface,
    member: 'GetAll',
    signature: 's',
    body: [interfaceName],
  });
  const properties = unpackProperties(body);
  return {
    uuid: String(properties.UUID ?? ''),
    name: String(properties.Name ?? ''),
    active: properties.Active === true,
    persistent: properties.Persistent === true,
    autostart: properties.Autostart === true,
  };
}

/** The object paths a listing call returned; a missing list reads as empty. */
export function objectPaths(value: unknown): string[] {
  return (value as string[] | undefined) ?? [];
}

/** Looks an object up by name; libvirt's not-found error becomes `notFound` worded as `message`. */
export async function lookupPath(call: LibvirtCall, request: DbusRequest, notFound: HypervisorErrorCode, message: string): Promise<string> {
  try {
    const [path] = await call(request);
    return String(path);
  } catch (error) {
    if (error instanceof HypervisorError && error.code === notFound) {
      throw new HypervisorError(notFound, message, error.libvirtMessage);
    }
    throw error;
  }
}

/** An object's XML description (GetXMLDesc without flags). */
export async function readXmlDescription(call: LibvirtCall, path: string, interfaceName: string): Promise<string> {
  const [xml] = await call({ path, interface: interfaceName, member: 'GetXMLDesc', signature: 'u', body: [0] });
  return String(xml);
}

/** All networks or all storage pools (`member` says which), each read with one GetAll. */
export async function listObjectSummaries(
  call: LibvirtCall,
  connectPath: string,
  member: string,
  interfaceName: string,
): Promise<NetworkSummary[]> {
  const [paths] = await call({
    path: connectPath,
    interface: connectInterface,
    member,
    signature: 'u',
    body: [listAllFlags],
  });
  return mapConcurrent(objectPaths(paths), listingConcurrency, (path) => readObjectSummary(call, path, interfaceName));
}
