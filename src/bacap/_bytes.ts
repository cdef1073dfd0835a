// Small byte helpers for the BACAP layer (internal: the leading underscore marks it, as in noble).

/** Argument check for our own callers: TypeError for the wrong kind, RangeError for a wrong length. */
export function abytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array, got ${describe(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function le64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let lo = Number(n & 0xffffffffn), hi = Number((n >> 32n) & 0xffffffffn);
  for (let i = 0; i < 4; i++, lo >>>= 8, hi >>>= 8) {
    out[i] = lo & 0xff;
    out[i + 4] = hi & 0xff;
  }
  return out;
}

export function readLe64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time equality for equal-length inputs (box IDs, index fields). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** A copy that owns its buffer, so callers can't alias our secrets or we theirs. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

// Scalar <-> bytes conversions run several times per box, so they go 64 bits at a time.
export function bytesToNumberLE(bytes: Uint8Array): bigint {
  if (bytes.length === 32) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, 32);
    return (v.getBigUint64(24, true) << 192n) | (v.getBigUint64(16, true) << 128n) | (v.getBigUint64(8, true) << 64n) | v.getBigUint64(0, true);
  }
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

export function numberToBytesLE(n: bigint, length: number): Uint8Array {
  if (n < 0n || n >> BigInt(8 * length) !== 0n) throw new RangeError(`numberToBytesLE: value does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  if (length === 32) {
    const v = new DataView(out.buffer);
    v.setBigUint64(0, BigInt.asUintN(64, n), true);
    v.setBigUint64(8, BigInt.asUintN(64, n >> 64n), true);
    v.setBigUint64(16, BigInt.asUintN(64, n >> 128n), true);
    v.setBigUint64(24, n >> 192n, true);
    return out;
  }
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
