import { MAX_CBOR_DEPTH } from './constants.js';
import { WireError } from './errors.js';

/**
 * A strict, bounded CBOR (RFC 8949) codec for the group chat wire, small on purpose:
 *  - Every declared length or element count is checked against the bytes that remain BEFORE
 *    anything is allocated, so a hostile 9-byte header cannot ask for gigabytes; nesting is
 *    capped (MAX_CBOR_DEPTH) so a hostile input cannot blow the stack.
 *  - Text strings must be valid UTF-8 (no U+FFFD substitution): katzenqt's cbor2 refuses such
 *    strings and drops the message (wire vector reject_text_invalid_utf8). A BOM is kept, as
 *    Python keeps it.
 *  - It decodes everything cbor2 accepts into a neutral value (indefinite lengths, tags,
 *    floats, simple values, any map keys) so unknown keys can be skipped whatever they hold;
 *    the validators in message.ts decide what a known field may be.
 *  - The encoder writes what cbor2.dumps writes for katzenqt's models (wire §1.5): definite
 *    lengths, minimal heads, byte strings as major type 2 with no tag, map keys in the order given.
 * We use this rather than cbor-x because cbor-x substitutes U+FFFD for bad UTF-8 and cannot
 * bound declared lengths before allocating.
 */

export class CborTagged {
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}
/** Floats stay wrapped so an integer field never silently accepts 1.0 or 0.5. */
export class CborFloat {
  constructor(readonly value: number) {}
}
/** Simple values other than false/true/null (undefined is simple 23). */
export class CborSimple {
  constructor(readonly value: number) {}
}

export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | CborValue[]
  | Map<CborValue, CborValue>
  | CborTagged
  | CborFloat
  | CborSimple;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const BREAK = Symbol('break');

/** Decodes the first CBOR item of `bytes`; `end` says where it stopped (trailing bytes are the
 *  caller's business: katzenqt ignores everything after the first item of a chain, wire §1.4). */
export function decodeCborFirst(bytes: Uint8Array): { value: CborValue; end: number } {
  const d = new Decoder(bytes);
  const value = d.item(0);
  if (value === BREAK) throw new WireError('cbor_malformed', '@0', 'break code outside an indefinite-length item');
  return { value, end: d.pos };
}

/** Decodes exactly one item that must fill `bytes` (for our own persisted blobs). */
export function decodeCborExact(bytes: Uint8Array): CborValue {
  const { value, end } = decodeCborFirst(bytes);
  if (end !== bytes.length) throw new WireError('cbor_malformed', `@${end}`, `${bytes.length - end} trailing bytes`);
  return value;
}

class Decoder {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw new WireError('cbor_truncated', `@${this.pos}`, `${what} needs ${n} bytes, ${this.buf.length - this.pos} remain`);
    }
  }

  private byte(): number {
    this.need(1, 'item head');
    return this.buf[this.pos++]!;
  }

  /** The argument of a head: a number, or a bigint above 2^53 - 1. */
  private argument(ai: number, start: number): number | bigint {
    if (ai < 24) return ai;
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    switch (ai) {
      case 24: this.need(1, 'argument'); return this.buf[this.pos++]!;
      case 25: { this.need(2, 'argument'); const v = view.getUint16(this.pos); this.pos += 2; return v; }
      case 26: { this.need(4, 'argument'); const v = view.getUint32(this.pos); this.pos += 4; return v; }
      case 27: {
        this.need(8, 'argument');
        const v = view.getBigUint64(this.pos);
        this.pos += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      default: throw new WireError('cbor_malformed', `@${start}`, `reserved additional info ${ai}`);
    }
  }

  /** A declared length or count, checked against what remains (each element takes >= `unit` bytes). */
  private length(ai: number, start: number, unit: number, what: string): number {
    const n = this.argument(ai, start);
    const remaining = this.buf.length - this.pos;
    if (typeof n === 'bigint' || n * unit > remaining) {
      throw new WireError('cbor_too_large', `@${start}`, `${what} declares ${n} but only ${remaining} bytes remain`);
    }
    return n;
  }

  item(depth: number): CborValue | typeof BREAK {
    if (depth > MAX_CBOR_DEPTH) throw new WireError('cbor_too_deep', `@${this.pos}`, `nesting deeper than ${MAX_CBOR_DEPTH}`);
    const start = this.pos;
    const ib = this.byte();
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0: {
        if (ai === 31) throw new WireError('cbor_malformed', `@${start}`, 'indefinite-length integer');
        return this.argument(ai, start);
      }
      case 1: {
        if (ai === 31) throw new WireError('cbor_malformed', `@${start}`, 'indefinite-length integer');
        const n = this.argument(ai, start);
        const neg = -1n - BigInt(n);
        return neg >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(neg) : neg;
      }
      case 2:
      case 3: {
        const raw = ai === 31 ? this.indefiniteString(major) : this.definiteString(ai, start);
        if (major === 2) return raw;
        try {
          return utf8Decoder.decode(raw);
        } catch (cause) {
          throw new WireError('invalid_utf8', `@${start}`, 'text string is not valid UTF-8', { cause });
        }
      }
      case 4: return this.array(ai, start, depth);
      case 5: return this.map(ai, start, depth);
      case 6: {
        if (ai === 31) throw new WireError('cbor_malformed', `@${start}`, 'indefinite-length tag');
        const tag = this.argument(ai, start);
        const inner = this.item(depth + 1);
        if (inner === BREAK) throw new WireError('cbor_malformed', `@${start}`, 'break code as a tag content');
        return new CborTagged(tag, inner);
      }
      default: return this.simple(ai, start);
    }
  }

  private definiteString(ai: number, start: number): Uint8Array {
    const n = this.length(ai, start, 1, 'string');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Indefinite strings: definite chunks of the same major type until a break (RFC 8949 §3.2.3).
   *  Text chunks must each be valid UTF-8, so each is checked on its own. */
  private indefiniteString(major: number): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunkStart = this.pos;
      const ib = this.byte();
      if (ib === 0xff) break;
      if (ib >> 5 !== major || (ib & 31) === 31) {
        throw new WireError('cbor_malformed', `@${chunkStart}`, 'bad chunk inside an indefinite-length string');
      }
      const chunk = this.definiteString(ib & 31, chunkStart);
      if (major === 3) {
        try {
          utf8Decoder.decode(chunk);
        } catch (cause) {
          throw new WireError('invalid_utf8', `@${chunkStart}`, 'text chunk is not valid UTF-8', { cause });
        }
      }
      chunks.push(chunk);
      total += chunk.length;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  private array(ai: number, start: number, depth: number): CborValue[] {
    const out: CborValue[] = [];
    if (ai === 31) {
      for (;;) {
        const v = this.item(depth + 1);
        if (v === BREAK) return out;
        out.push(v);
      }
    }
    const n = this.length(ai, start, 1, 'array');
    for (let i = 0; i < n; i++) out.push(this.notBreak(this.item(depth + 1), start));
    return out;
  }

  /** Maps keep the last value of a repeated key, as a Python dict does. */
  private map(ai: number, start: number, depth: number): Map<CborValue, CborValue> {
    const out = new Map<CborValue, CborValue>();
    if (ai === 31) {
      for (;;) {
        const k = this.item(depth + 1);
        if (k === BREAK) return out;
        out.set(k, this.notBreak(this.item(depth + 1), start));
      }
    }
    const n = this.length(ai, start, 2, 'map');
    for (let i = 0; i < n; i++) {
      const k = this.notBreak(this.item(depth + 1), start);
      out.set(k, this.notBreak(this.item(depth + 1), start));
    }
    return out;
  }

  private notBreak(v: CborValue | typeof BREAK, start: number): CborValue {
    if (v === BREAK) throw new WireError('cbor_malformed', `@${start}`, 'break code inside a definite-length item');
    return v;
  }

  private simple(ai: number, start: number): CborValue | typeof BREAK {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    switch (ai) {
      case 20: return false;
      case 21: return true;
      case 22: return null;
      case 24: {
        const v = this.byte();
        if (v < 32) throw new WireError('cbor_malformed', `@${start}`, 'two-byte simple value below 32');
        return new CborSimple(v);
      }
      case 25: { this.need(2, 'half float'); const v = halfToNumber(view.getUint16(this.pos)); this.pos += 2; return new CborFloat(v); }
      case 26: { this.need(4, 'float'); const v = view.getFloat32(this.pos); this.pos += 4; return new CborFloat(v); }
      case 27: { this.need(8, 'double'); const v = view.getFloat64(this.pos); this.pos += 8; return new CborFloat(v); }
      case 28: case 29: case 30: throw new WireError('cbor_malformed', `@${start}`, `reserved additional info ${ai}`);
      case 31: return BREAK;
      default: return new CborSimple(ai);
    }
  }
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------------------------------------
// Encoder

/** What we send: integers, text, bytes, booleans, null, arrays and maps with ordered keys. */
export type CborEncodable =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | readonly CborEncodable[]
  | ReadonlyMap<string, CborEncodable>;

export function encodeCbor(value: CborEncodable): Uint8Array {
  const w = new Writer();
  w.value(value, 0);
  return w.finish();
}

class Writer {
  private buf = new Uint8Array(256);
  private pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** A head with the minimal argument encoding (RFC 8949 §4.2.1), as cbor2 writes it. */
  private head(major: number, n: number | bigint): void {
    const m = major << 5;
    this.reserve(9);
    if (typeof n === 'number' && n < 24) {
      this.buf[this.pos++] = m | n;
    } else if (typeof n === 'number' && n < 0x100) {
      this.buf[this.pos++] = m | 24;
      this.buf[this.pos++] = n;
    } else if (typeof n === 'number' && n < 0x10000) {
      this.buf[this.pos++] = m | 25;
      new DataView(this.buf.buffer).setUint16(this.pos, n);
      this.pos += 2;
    } else if (typeof n === 'number' && n < 0x100000000) {
      this.buf[this.pos++] = m | 26;
      new DataView(this.buf.buffer).setUint32(this.pos, n);
      this.pos += 4;
    } else {
      const big = BigInt(n);
      if (big < 0x100000000n) return this.head(major, Number(big));
      this.buf[this.pos++] = m | 27;
      new DataView(this.buf.buffer).setBigUint64(this.pos, big);
      this.pos += 8;
    }
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  value(v: CborEncodable, depth: number): void {
    if (depth > MAX_CBOR_DEPTH) throw new RangeError(`encodeCbor: nesting deeper than ${MAX_CBOR_DEPTH}`);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`encodeCbor: ${v} is not a safe integer (floats are not sent)`);
      if (v >= 0) this.head(0, v);
      else this.head(1, -1 - v);
    } else if (typeof v === 'bigint') {
      if (v >= 0n) {
        if (v > 0xffffffffffffffffn) throw new RangeError('encodeCbor: integer above 2^64 - 1');
        this.head(0, v);
      } else {
        if (v < -0x10000000000000000n) throw new RangeError('encodeCbor: integer below -2^64');
        this.head(1, -1n - v);
      }
    } else if (typeof v === 'string') {
      const bytes = utf8Encoder.encode(v);
      this.head(3, bytes.length);
      this.raw(bytes);
    } else if (v instanceof Uint8Array) {
      this.head(2, v.length);
      this.raw(v);
    } else if (typeof v === 'boolean') {
      this.reserve(1);
      this.buf[this.pos++] = v ? 0xf5 : 0xf4;
    } else if (v === null) {
      this.reserve(1);
      this.buf[this.pos++] = 0xf6;
    } else if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const item of v as readonly CborEncodable[]) this.value(item, depth + 1);
    } else if (v instanceof Map) {
      this.head(5, v.size);
      for (const [k, item] of v as ReadonlyMap<string, CborEncodable>) {
        if (typeof k !== 'string') throw new TypeError('encodeCbor: map keys must be strings');
        this.value(k, depth + 1);
        this.value(item, depth + 1);
      }
    } else {
      throw new TypeError(`encodeCbor: cannot encode ${typeof v}`);
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
