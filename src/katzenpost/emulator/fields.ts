// Reading request fields the way kpclientd's CBOR decoder does (thin-client §1.2–1.3): a field of
// the wrong CBOR type, or a cap or index that will not UnmarshalBinary (wrong length, a root key
// off the curve), fails the whole frame, and the daemon closes the connection. A missing or null
// field is merely nil, and the handler answers InvalidRequest (3).
import { MessageBoxIndex, ReadCap, WriteCap } from '../../bacap/index.js';
import { FrameError } from './wire.js';

type Body = Record<string, unknown>;

function undecodable(field: string, why: string): FrameError {
  return new FrameError('cbor_malformed', `field ${field}: ${why}`);
}

export function optBytes(body: Body, field: string, exactLength?: number): Uint8Array | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Uint8Array)) throw undecodable(field, 'expected a byte string');
  if (exactLength !== undefined && v.length !== exactLength) throw undecodable(field, `expected ${exactLength} bytes, got ${v.length}`);
  return new Uint8Array(v);
}

export function optBool(body: Body, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw undecodable(field, 'expected a boolean');
  return v;
}

export function optUint(body: Body, field: string): bigint | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw undecodable(field, 'expected an unsigned integer');
}

export function optText(body: Body, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw undecodable(field, 'expected a text string');
  return v;
}

export function optArray(body: Body, field: string): unknown[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw undecodable(field, 'expected an array');
  return v;
}

function parsed<T>(field: string, bytes: Uint8Array | undefined, parse: (b: Uint8Array) => T): T | undefined {
  if (bytes === undefined) return undefined;
  try {
    return parse(bytes);
  } catch (e) {
    throw undecodable(field, (e as Error).message);
  }
}

export const optWriteCap = (body: Body, field: string): WriteCap | undefined => parsed(field, optBytes(body, field), (b) => WriteCap.fromBytes(b));
export const optReadCap = (body: Body, field: string): ReadCap | undefined => parsed(field, optBytes(body, field), (b) => ReadCap.fromBytes(b));
export const optIndex = (body: Body, field: string): MessageBoxIndex | undefined =>
  parsed(field, optBytes(body, field), (b) => MessageBoxIndex.fromBytes(b));

/** Every Pigeonhole request carries a 16-byte query_id that its reply echoes (§2). */
export function queryId(body: Body): Uint8Array | undefined {
  return optBytes(body, 'query_id');
}

