/**
 * POLYVAL (RFC 8452 §3) for the BACAP AEAD, tuned for what BACAP does: a fresh key for every box
 * and short inputs. noble's POLYVAL builds a 256-entry table per key (~30 µs), which dominated a
 * 100-byte box; this one builds a 16-entry table (Shoup's 4-bit method) in well under a
 * microsecond. Results are checked against noble's polyval in the unit tests and end to end by
 * every ciphertext of the vector file.
 *
 * Field elements are four little-endian u32 words: bit k of the 128-bit little-endian integer is
 * the coefficient of x^k (RFC 8452's byte order), reduced modulo
 * P(x) = x^128 + x^127 + x^126 + x^121 + 1. dot(a, b) = a·b·x^-128, so POLYVAL(H, X) is Horner's
 * rule with the constant multiplier H' = H·x^-128.
 */

type Words = [number, number, number, number];

/** a·x mod P, in place on a 4-word row of `t` at offset o. */
function mulXInto(t: Uint32Array, to: number, from: number): void {
  const w0 = t[from]!, w1 = t[from + 1]!, w2 = t[from + 2]!, w3 = t[from + 3]!;
  const carry = w3 >>> 31; // x^127 · x = x^128 ≡ x^127 + x^126 + x^121 + 1
  t[to] = ((w0 << 1) ^ carry) >>> 0;
  t[to + 1] = ((w1 << 1) | (w0 >>> 31)) >>> 0;
  t[to + 2] = ((w2 << 1) | (w1 >>> 31)) >>> 0;
  t[to + 3] = (((w3 << 1) | (w2 >>> 31)) ^ (carry ? 0xc2000000 : 0)) >>> 0;
}

/** The 16-row table n(x)·y mod P for every 4-bit polynomial n. */
function nibbleTable(y: Words, t: Uint32Array = new Uint32Array(64)): Uint32Array {
  t[4] = y[0];
  t[5] = y[1];
  t[6] = y[2];
  t[7] = y[3];
  mulXInto(t, 8, 4);
  mulXInto(t, 16, 8);
  mulXInto(t, 32, 16);
  for (const n of [3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15]) {
    const hi = n & -n; // lowest set bit; n = hi + (n - hi)
    for (let w = 0; w < 4; w++) t[n * 4 + w] = (t[hi * 4 + w]! ^ t[(n - hi) * 4 + w]!) >>> 0;
  }
  return t;
}

// R[o] = o(x)·x^128 mod P: the reduction of the four bits shifted out at the top.
const REDUCE = nibbleTable([1, 0, 0, 0xc2000000]);

/** z := z·y mod P, where t is nibbleTable(y). Horner over the nibbles of z, most significant first. */
function mulTable(z: Uint32Array, t: Uint32Array): void {
  const a0 = z[0]!, a1 = z[1]!, a2 = z[2]!, a3 = z[3]!;
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  for (let word = 3; word >= 0; word--) {
    const a = word === 3 ? a3 : word === 2 ? a2 : word === 1 ? a1 : a0;
    for (let shift = 28; shift >= 0; shift -= 4) {
      const top = r3 >>> 28;
      r3 = ((r3 << 4) | (r2 >>> 28)) >>> 0;
      r2 = ((r2 << 4) | (r1 >>> 28)) >>> 0;
      r1 = ((r1 << 4) | (r0 >>> 28)) >>> 0;
      r0 = (r0 << 4) >>> 0;
      const ri = top * 4;
      const ti = ((a >>> shift) & 15) * 4;
      r0 ^= REDUCE[ri]! ^ t[ti]!;
      r1 ^= REDUCE[ri + 1]! ^ t[ti + 1]!;
      r2 ^= REDUCE[ri + 2]! ^ t[ti + 2]!;
      r3 ^= REDUCE[ri + 3]! ^ t[ti + 3]!;
    }
  }
  z[0] = r0 >>> 0;
  z[1] = r1 >>> 0;
  z[2] = r2 >>> 0;
  z[3] = r3 >>> 0;
}

// x^-128 mod P, found once by halving 1 a hundred and twenty-eight times:
// a/x = a >> 1 if a(0) = 0, else (a + P) >> 1 = ((a ^ {127,126,121,0}) >> 1) | x^127.
const INV_X128_TABLE = (() => {
  const a = new Uint32Array([1, 0, 0, 0]);
  for (let i = 0; i < 128; i++) {
    if (a[0]! & 1) {
      a[0]! ^= 1;
      a[3]! ^= 0xc2000000;
      a[0] = ((a[0]! >>> 1) | (a[1]! << 31)) >>> 0;
      a[1] = ((a[1]! >>> 1) | (a[2]! << 31)) >>> 0;
      a[2] = ((a[2]! >>> 1) | (a[3]! << 31)) >>> 0;
      a[3] = ((a[3]! >>> 1) | 0x80000000) >>> 0;
    } else {
      a[0] = ((a[0]! >>> 1) | (a[1]! << 31)) >>> 0;
      a[1] = ((a[1]! >>> 1) | (a[2]! << 31)) >>> 0;
      a[2] = ((a[2]! >>> 1) | (a[3]! << 31)) >>> 0;
      a[3] = a[3]! >>> 1;
    }
  }
  return nibbleTable([a[0]!, a[1]!, a[2]!, a[3]!]);
})();

function readWord(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Absorbs `data` zero-padded to whole blocks: s := (s ^ X_i)·H' for each block. */
function absorb(s: Uint32Array, t: Uint32Array, data: Uint8Array): void {
  const whole = data.length & ~15;
  for (let o = 0; o < whole; o += 16) {
    s[0]! ^= readWord(data, o);
    s[1]! ^= readWord(data, o + 4);
    s[2]! ^= readWord(data, o + 8);
    s[3]! ^= readWord(data, o + 12);
    mulTable(s, t);
  }
  if (whole < data.length) {
    const last = new Uint8Array(16);
    last.set(data.subarray(whole));
    absorb(s, t, last);
  }
}

/**
 * POLYVAL(authKey, pad16(aad) || pad16(data) || LE64(8·|aad|) || LE64(8·|data|)), the GCM-SIV
 * input of RFC 8452 §4 (and of agl/gcmsiv), returned as four little-endian words.
 */
export function polyvalAeadWords(authKey: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint32Array {
  const h = new Uint32Array([readWord(authKey, 0), readWord(authKey, 4), readWord(authKey, 8), readWord(authKey, 12)]);
  mulTable(h, INV_X128_TABLE); // H' = H·x^-128
  const t = nibbleTable([h[0]!, h[1]!, h[2]!, h[3]!]);
  const s = new Uint32Array(4);
  absorb(s, t, aad);
  absorb(s, t, data);
  // Bit lengths as LE64; BACAP sizes are far below 2^32 bits, but keep the high words exact.
  const aadBits = aad.length * 8, dataBits = data.length * 8;
  s[0]! ^= aadBits >>> 0;
  s[1]! ^= Math.floor(aadBits / 2 ** 32) >>> 0;
  s[2]! ^= dataBits >>> 0;
  s[3]! ^= Math.floor(dataBits / 2 ** 32) >>> 0;
  mulTable(s, t);
  return s;
}

/** Plain POLYVAL over whole 16-byte blocks (RFC 8452 §3), for tests against other implementations. */
export function polyvalBlocks(authKey: Uint8Array, blocks: Uint8Array): Uint8Array {
  if (blocks.length % 16 !== 0) throw new RangeError(`blocks: expected a multiple of 16 bytes, got ${blocks.length}`);
  const h = new Uint32Array([readWord(authKey, 0), readWord(authKey, 4), readWord(authKey, 8), readWord(authKey, 12)]);
  mulTable(h, INV_X128_TABLE);
  const s = new Uint32Array(4);
  absorb(s, nibbleTable([h[0]!, h[1]!, h[2]!, h[3]!]), blocks);
  const out = new Uint8Array(16);
  for (let w = 0; w < 4; w++) for (let b = 0; b < 4; b++) out[w * 4 + b] = (s[w]! >>> (8 * b)) & 0xff;
  return out;
}
