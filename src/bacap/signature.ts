import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, concatBytes } from './_bytes.js';
import { decodePoint, scalarMultBase } from './points.js';
import { L, modL, sc32, sha512 } from './scalar.js';

/**
 * Blinded Ed25519 signing with hpqc's nonce rule (bacap.md §7.1):
 *   d = SHA512(sc32(s')), r = SHA512(d[32:64] || M || d[33:64]) mod L.
 * The 31 extra bytes after M are upstream's ("not part of the spec"); the result is still a
 * standard, deterministic Ed25519 signature, but only this rule reproduces Go's bytes.
 */
export function blindedSign(blindedScalar: bigint, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const d = sha512(sc32(blindedScalar));
  const r = modL(bytesToNumberLE(sha512(d.subarray(32, 64), message, d.subarray(33, 64))));
  const R = scalarMultBase(r);
  const k = modL(bytesToNumberLE(sha512(R, publicKey, message)));
  const S = modL(k * blindedScalar + r);
  return concatBytes(R, sc32(S));
}

/** The nonce r of blindedSign, exposed for the vector test of §7.1. */
export function blindedSignNonce(blindedScalar: bigint, message: Uint8Array): bigint {
  const d = sha512(sc32(blindedScalar));
  return modL(bytesToNumberLE(sha512(d.subarray(32, 64), message, d.subarray(33, 64))));
}

// DER SubjectPublicKeyInfo prefix for a raw Ed25519 key (RFC 8410).
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/**
 * Ed25519 verification with Go's crypto/ed25519 semantics (bacap.md §7.2): cofactorless,
 * S < L required, sig[63] & 0xE0 == 0, public key decoded leniently (non-canonical y accepted),
 * small-order keys not rejected. Returns false for anything that does not verify; never throws
 * on untrusted bytes.
 *
 * Speed: OpenSSL (node:crypto) runs the same cofactorless equation ~10x faster than noble. It is
 * used only where its decoding provably agrees with Go's — a canonical y, and not one of the two
 * x = 0 points with the sign bit set — and the exact noble path handles every other key.
 */
export function verifyGo(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 0xe0) !== 0) return false;
  // S < 2^252 is always below L; only the rare top values need the exact comparison.
  if (signature[63]! >= 0x10 && bytesToNumberLE(signature.subarray(32, 64)) >= L) return false;
  if (decodesAlikeInOpenSsl(publicKey)) {
    const der = Buffer.allocUnsafe(SPKI_PREFIX.length + 32);
    der.set(SPKI_PREFIX, 0);
    der.set(publicKey, SPKI_PREFIX.length);
    try {
      return nodeVerify(null, message, createPublicKey({ key: der, format: 'der', type: 'spki' }), signature);
    } catch {
      return false; // OpenSSL could not decode the key: not a curve point, as Go would also find
    }
  }
  return verifyExact(publicKey, message, signature);
}

/** The reference algorithm of §7.2 on noble points: encode([S]B - [k]A) == R, compared as bytes. */
export function verifyExact(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, S?: bigint): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 0xe0) !== 0) return false;
  const s = S ?? bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  const A = decodePoint(publicKey);
  if (!A) return false;
  const R = signature.subarray(0, 32);
  const k = modL(bytesToNumberLE(sha512(R, publicKey, message)));
  const check = ed25519.Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i]! ^ R[i]!;
  return diff === 0;
}

// True when OpenSSL and Go decode the key to the same point: y canonical (y < p = 2^255 - 19),
// and not x = 0 with the sign bit set (y = 1 or y = p - 1). Byte tests, no bigint, on the hot path.
function decodesAlikeInOpenSsl(key: Uint8Array): boolean {
  const top = key[31]! & 0x7f;
  let middleAllFf = true;
  let middleAllZero = true;
  for (let i = 1; i < 31; i++) {
    if (key[i] !== 0xff) middleAllFf = false;
    if (key[i] !== 0) middleAllZero = false;
  }
  if (top === 0x7f && middleAllFf && key[0]! >= 0xec) {
    // y >= p - 1: non-canonical (y >= p) or y = p - 1 (x = 0 only with the sign bit set)
    return key[0] === 0xec && key[31]! >> 7 === 0;
  }
  if (top === 0 && middleAllZero && key[0] === 1) return key[31]! >> 7 === 0; // y = 1
  return true;
}
