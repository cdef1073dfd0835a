import { createHash } from 'node:crypto';
import sodium from 'sodium-native';
import { bytesToNumberLE, numberToBytesLE } from './_bytes.js';

/*
 * Scalars mod L (bacap.md §1, §4, §6). The hot paths keep scalars as canonical 32-byte LE strings
 * and let libsodium do the mod-L arithmetic (crypto_core_ed25519_scalar_*), which avoids bigint
 * conversions per box; the bigint forms remain for the vector tests' intermediate values.
 */

/** The Ed25519 group order L (bacap.md §1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export function modL(x: bigint): bigint {
  const r = x % L;
  return r < 0n ? r + L : r;
}

/** The usual Ed25519/X25519 clamp, on a copy. */
export function clamp(x32: Uint8Array): Uint8Array {
  const c = Uint8Array.prototype.slice.call(x32, 0, 32);
  c[0]! &= 0xf8;
  c[31]! &= 0x7f;
  c[31]! |= 0x40;
  return c;
}

/** sc32: the canonical 32-byte little-endian encoding of a scalar < L. */
export function sc32(n: bigint): Uint8Array {
  return numberToBytesLE(n, 32);
}

/** SHA-512 of the concatenated parts (one native call). */
export function sha512(...parts: Uint8Array[]): Uint8Array {
  let input: Uint8Array;
  if (parts.length === 1) input = parts[0]!;
  else {
    let length = 0;
    for (const p of parts) length += p.length;
    input = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      input.set(p, at);
      at += p.length;
    }
  }
  const out = new Uint8Array(64);
  sodium.crypto_hash_sha512(out, input);
  return out;
}

// SHA-512/256 with its own IV (FIPS 180-4), not truncated SHA-512 (bacap.md §1). libsodium has
// no SHA-512/256, so node:crypto (OpenSSL) computes it.
function sha512_256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512-256').update(data).digest());
}

/** int_le(x) mod L for up to 64 bytes, as a canonical 32-byte scalar. */
export function reduceBytes(x: Uint8Array): Uint8Array {
  const wide = new Uint8Array(64);
  wide.set(x);
  const out = new Uint8Array(32);
  sodium.crypto_core_ed25519_scalar_reduce(out, wide);
  wide.fill(0);
  return out;
}

/** A 64-byte hash read as int_le and reduced mod L (Ed25519's nonce and challenge rule). */
export function reduce64(h: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sodium.crypto_core_ed25519_scalar_reduce(out, h);
  return out;
}

/** x·y mod L on canonical 32-byte scalars (libsodium's scalar_mul is not in sodium-native; bigint is quick). */
export function scalarMul(x: Uint8Array, y: Uint8Array): Uint8Array {
  return sc32((bytesToNumberLE(x) * bytesToNumberLE(y)) % L);
}

/** k·s + r mod L (the S of an Ed25519 signature). */
export function scalarMulAdd(k: Uint8Array, s: Uint8Array, r: Uint8Array): Uint8Array {
  const ks = scalarMul(k, s);
  const out = new Uint8Array(32);
  sodium.crypto_core_ed25519_scalar_add(out, ks, r);
  ks.fill(0);
  return out;
}

/** Root secret scalar a = int_le(clamp(SHA512(seed)[0:32])) mod L — Go reduces after clamping (§4). */
export function rootScalarBytes(seed: Uint8Array): Uint8Array {
  const h = sha512(seed);
  const a = reduceBytes(clamp(h.subarray(0, 32)));
  h.fill(0);
  return a;
}

export function rootScalar(seed: Uint8Array): bigint {
  return bytesToNumberLE(rootScalarBytes(seed));
}

/** Blinding scalar f = int_le(clamp(SHA512_256(factor))) mod L (bacap.md §6; not Tor's or CFRG's scheme). */
export function blindingScalarBytes(factor: Uint8Array): Uint8Array {
  return reduceBytes(clamp(sha512_256(factor)));
}

export function blindingScalar(factor: Uint8Array): bigint {
  return bytesToNumberLE(blindingScalarBytes(factor));
}

/** The intermediate values of the blinding derivation, for vector tests. */
export function blindingSteps(factor: Uint8Array): { sha512_256: Uint8Array; clamped: Uint8Array; scalar: bigint } {
  const h = sha512_256(factor);
  const clamped = clamp(h);
  return { sha512_256: h, clamped, scalar: modL(bytesToNumberLE(clamped)) };
}
