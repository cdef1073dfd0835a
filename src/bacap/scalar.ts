import { createHash } from 'node:crypto';
import { bytesToNumberLE, numberToBytesLE } from './_bytes.js';

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

export function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().buffer, 0, 64);
}

// SHA-512/256 with its own IV (FIPS 180-4), not truncated SHA-512 (bacap.md §1).
function sha512_256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512-256').update(data).digest());
}

/** Root secret scalar a = int_le(clamp(SHA512(seed)[0:32])) mod L — Go reduces after clamping (§4). */
export function rootScalar(seed: Uint8Array): bigint {
  return modL(bytesToNumberLE(clamp(sha512(seed).subarray(0, 32))));
}

/** Blinding scalar f = int_le(clamp(SHA512_256(factor))) mod L (bacap.md §6; not Tor's or CFRG's scheme). */
export function blindingScalar(factor: Uint8Array): bigint {
  return modL(bytesToNumberLE(clamp(sha512_256(factor))));
}

/** The intermediate values of the blinding derivation, for vector tests. */
export function blindingSteps(factor: Uint8Array): { sha512_256: Uint8Array; clamped: Uint8Array; scalar: bigint } {
  const h = sha512_256(factor);
  const clamped = clamp(h);
  return { sha512_256: h, clamped, scalar: modL(bytesToNumberLE(clamped)) };
}
