// Argument checks for our own callers (STYLE.md §5: TypeError for the wrong kind, RangeError for
// a wrong length; lengths, never contents). The daemon closes the connection on a cap of the
// wrong length (thin-client §1.2), so these run before anything is sent.
import {
  HASH_BYTES, MESSAGE_BOX_INDEX_BYTES, READ_CAP_BYTES, SEED_BYTES, WRITE_CAP_BYTES,
} from '../protocol/index.js';

export function bytes(name: string, v: unknown, len?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (len !== undefined && v.length !== len) throw new RangeError(`${name} must be ${len} bytes, got ${v.length}`);
  return v;
}

export const writeCap = (v: unknown, name = 'writeCap'): Uint8Array => bytes(name, v, WRITE_CAP_BYTES);
export const readCap = (v: unknown, name = 'readCap'): Uint8Array => bytes(name, v, READ_CAP_BYTES);
export const boxIndex = (v: unknown, name = 'index'): Uint8Array => bytes(name, v, MESSAGE_BOX_INDEX_BYTES);
export const hash32 = (v: unknown, name: string): Uint8Array => bytes(name, v, HASH_BYTES);
export const seed = (v: unknown): Uint8Array => bytes('seed', v, SEED_BYTES);

export function nonEmpty(name: string, v: unknown): Uint8Array {
  const b = bytes(name, v);
  if (b.length === 0) throw new RangeError(`${name} must not be empty`);
  return b;
}

export function uint(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${name} must be an integer`);
  if (v < 0 || v > max) throw new RangeError(`${name} must be in [0, ${max}]`);
  return v;
}
