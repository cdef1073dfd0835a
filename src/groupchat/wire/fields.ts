import { CborFloat, CborSimple, CborTagged, type CborValue } from './cbor.js';
import { WireError, at } from './errors.js';

// Field validators shared by the message, WhoReply and state decoders. Each names the field's
// path in its WireError. They follow katzenqt's pydantic models where those are lax on purpose
// (a text field accepts a UTF-8 byte string, wire §1.5) and are strict where katzenqt is strict.

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A map whose keys must all be text (katzenqt fails a model on any other key, wire §1.5). */
export function textKeyMap(value: CborValue | undefined, path: string): Map<string, CborValue> {
  if (!(value instanceof Map)) throw new WireError(path ? 'wrong_type' : 'not_a_map', path, `expected a map, got ${kindOf(value)}`);
  for (const key of value.keys()) {
    if (typeof key !== 'string') throw new WireError('non_text_key', path, `map key of type ${kindOf(key)}; keys must be text`);
  }
  return value as Map<string, CborValue>;
}

/** An optional field: absent and CBOR null both mean "not set" (pydantic Optional[...] = None). */
export function optional(map: Map<string, CborValue>, key: string): CborValue | undefined {
  const v = map.get(key);
  return v === null ? undefined : v;
}

export function required(map: Map<string, CborValue>, key: string, path: string): CborValue {
  const v = map.get(key);
  if (v === undefined) throw new WireError('missing_field', at(path, key), 'required field is absent');
  return v;
}

export function asBytes(value: CborValue, path: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new WireError('wrong_type', path, `expected a byte string, got ${kindOf(value)}`);
  return value;
}

/** Text, or a byte string holding valid UTF-8 (pydantic's lax str coerces bytes, wire §1.5). */
export function asText(value: CborValue, path: string): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    try {
      return utf8Decoder.decode(value);
    } catch (cause) {
      throw new WireError('invalid_utf8', path, 'byte string used as text is not valid UTF-8', { cause });
    }
  }
  throw new WireError('wrong_type', path, `expected a text string, got ${kindOf(value)}`);
}

/** A non-negative integer that fits a JavaScript number. */
export function asUint(value: CborValue, path: string): number {
  if (typeof value === 'bigint') {
    throw new WireError('bad_value', path, value < 0n ? 'must not be negative' : 'integer too large');
  }
  if (typeof value !== 'number') throw new WireError('wrong_type', path, `expected an unsigned integer, got ${kindOf(value)}`);
  if (value < 0) throw new WireError('bad_value', path, 'must not be negative');
  return value;
}

/** A non-negative integer up to 2^64 - 1 (box counters are u64, wire §1.2). */
export function asU64(value: CborValue, path: string): bigint {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const v = BigInt(value);
    if (v < 0n) throw new WireError('bad_value', path, 'must not be negative');
    return v;
  }
  throw new WireError('wrong_type', path, `expected an unsigned integer, got ${kindOf(value)}`);
}

export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' || typeof value === 'bigint') return 'integer';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'map';
  if (value instanceof CborTagged) return `tag ${value.tag}`;
  if (value instanceof CborFloat) return 'float';
  if (value instanceof CborSimple) return `simple value ${value.value}`;
  return typeof value;
}
