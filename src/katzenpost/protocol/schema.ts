// A small field-schema checker for untrusted CBOR maps (STYLE.md §5: never trust shapes). Each
// message type is described once here; decoding checks every listed field and ignores unknown
// keys (thin-client §1.3), and encoding uses the same list to emit Go's null-filled structs.
import { ProtocolError } from './protocol-error.js';

export type Kind =
  | { readonly t: 'bytes'; readonly len?: number; readonly max?: number }
  | { readonly t: 'text' }
  | { readonly t: 'bool' }
  /** Unsigned integer decoded as number; `max` is inclusive. */
  | { readonly t: 'uint'; readonly max: number }
  /** uint64 decoded as bigint (e.g. a BACAP counter, §1.3). */
  | { readonly t: 'u64' }
  | { readonly t: 'list'; readonly of: Kind; readonly max?: number }
  | { readonly t: 'map'; readonly fields: Schema }
  /** Kept as decoded (e.g. the Go `error` field, always null). */
  | { readonly t: 'any' };

export interface Field {
  readonly kind: Kind;
  /**
   * How absence (missing key or null) is treated:
   * - 'required': a ProtocolError;
   * - 'nullable': decoded as null (encoders emit null too, like Go pointers without omitempty);
   * - 'ok': nullable, but required when the same map's error_code is 0 (reply payload fields);
   * - 'omit': Go omitempty; decoded as `dflt`, left out by encoders when equal to it;
   * - 'zero': a Go value field (no pointer): decoded as `dflt` when absent, always encoded.
   */
  readonly presence: 'required' | 'nullable' | 'ok' | 'omit' | 'zero';
  readonly dflt?: unknown;
}

export type Schema = Readonly<Record<string, Field>>;

export const k = {
  bytes: (len?: number): Kind => (len === undefined ? { t: 'bytes' } : { t: 'bytes', len }),
  maxBytes: (max: number): Kind => ({ t: 'bytes', max }),
  text: { t: 'text' } as Kind,
  bool: { t: 'bool' } as Kind,
  u8: { t: 'uint', max: 0xff } as Kind,
  u32: { t: 'uint', max: 0xffff_ffff } as Kind,
  /** uint64 values that must fit a JS number (epochs, positions). */
  u53: { t: 'uint', max: Number.MAX_SAFE_INTEGER } as Kind,
  u64: { t: 'u64' } as Kind,
  list: (of: Kind, max?: number): Kind => (max === undefined ? { t: 'list', of } : { t: 'list', of, max }),
  map: (fields: Schema): Kind => ({ t: 'map', fields }),
  any: { t: 'any' } as Kind,
};

export const req = (kind: Kind): Field => ({ kind, presence: 'required' });
export const nul = (kind: Kind): Field => ({ kind, presence: 'nullable' });
export const ok = (kind: Kind): Field => ({ kind, presence: 'ok' });
export const omit = (kind: Kind, dflt: unknown): Field => ({ kind, presence: 'omit', dflt });
export const zero = (kind: Kind, dflt: unknown): Field => ({ kind, presence: 'zero', dflt });

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !ArrayBuffer.isView(v)
    && !(v instanceof Map) && !(v instanceof Date) && !(v instanceof Set);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return 'byte string';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return v?.constructor?.name === 'Object' ? 'map' : String(v?.constructor?.name ?? 'object');
  return typeof v;
}

function checkKind(kind: Kind, v: unknown, path: string): unknown {
  switch (kind.t) {
    case 'bytes': {
      // Only real byte strings: typed-array tags (e.g. Float32Array) are not bytes (§1.3).
      if (!(v instanceof Uint8Array) || v.constructor === Uint8ClampedArray) {
        throw new ProtocolError('wrong_type', path, `expected a byte string, got ${describe(v)}`);
      }
      if (kind.len !== undefined && v.length !== kind.len) {
        throw new ProtocolError('bad_length', path, `expected ${kind.len} bytes, got ${v.length}`);
      }
      if (kind.max !== undefined && v.length > kind.max) {
        throw new ProtocolError('bad_length', path, `expected at most ${kind.max} bytes, got ${v.length}`);
      }
      // Hand out plain Uint8Arrays (cbor-x yields Buffers): a view, no copy.
      return v.constructor === Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.length);
    }
    case 'text':
      if (typeof v !== 'string') throw new ProtocolError('wrong_type', path, `expected a text string, got ${describe(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new ProtocolError('wrong_type', path, `expected a boolean, got ${describe(v)}`);
      return v;
    case 'uint': {
      let n: number;
      if (typeof v === 'number') n = v;
      else if (typeof v === 'bigint') {
        if (v < 0n || v > BigInt(kind.max)) throw new ProtocolError('bad_length', path, `integer out of range [0, ${kind.max}]`);
        n = Number(v);
      } else throw new ProtocolError('wrong_type', path, `expected an unsigned integer, got ${describe(v)}`);
      if (!Number.isInteger(n)) throw new ProtocolError('wrong_type', path, 'expected an unsigned integer, got a float');
      if (n < 0 || n > kind.max) throw new ProtocolError('bad_length', path, `integer out of range [0, ${kind.max}]`);
      return n;
    }
    case 'u64': {
      if (typeof v === 'bigint') {
        if (v < 0n || v >= 1n << 64n) throw new ProtocolError('bad_length', path, 'integer out of uint64 range');
        return v;
      }
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
      throw new ProtocolError('wrong_type', path, `expected an unsigned integer, got ${describe(v)}`);
    }
    case 'list': {
      if (!Array.isArray(v)) throw new ProtocolError('wrong_type', path, `expected an array, got ${describe(v)}`);
      if (kind.max !== undefined && v.length > kind.max) {
        throw new ProtocolError('bad_length', path, `expected at most ${kind.max} items, got ${v.length}`);
      }
      return v.map((item, i) => checkKind(kind.of, item, `${path}[${i}]`));
    }
    case 'map':
      return checkMap(kind.fields, v, path);
    case 'any':
      return v;
  }
}

/** Checks a decoded map against a schema and returns a new object holding only its fields. */
export function checkMap(schema: Schema, v: unknown, path: string): Record<string, unknown> {
  if (!isPlainMap(v)) throw new ProtocolError('wrong_type', path, `expected a map, got ${describe(v)}`);
  const out: Record<string, unknown> = {};
  let success = false;
  if ('error_code' in schema) {
    const ec = v['error_code'];
    success = ec === 0 || ec === 0n || ec === undefined || ec === null;
  }
  for (const [name, field] of Object.entries(schema)) {
    const raw = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : undefined;
    const at = path ? `${path}.${name}` : name;
    if (raw === undefined || raw === null) {
      if (field.presence === 'required' || (field.presence === 'ok' && success)) {
        throw new ProtocolError('missing_field', at, 'required field is missing or null');
      }
      out[name] = field.presence === 'omit' || field.presence === 'zero' ? field.dflt : null;
      continue;
    }
    out[name] = checkKind(field.kind, raw, at);
  }
  return out;
}

/** Builds the wire map of a schema from a body: Go's zero/null for absent fields, omitempty
 *  fields left out when at their default. */
export function fillMap(schema: Schema, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    const v = body[name];
    if (field.presence === 'omit') {
      if (v !== undefined && v !== null && v !== field.dflt && !(typeof v === 'bigint' && BigInt(field.dflt as number) === v)) out[name] = v;
      continue;
    }
    if (field.presence === 'zero') out[name] = v ?? field.dflt;
    else out[name] = v === undefined ? null : v;
  }
  return out;
}
