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
const P_FIELD = 2n ** 255n - 19n;

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
  const S = bytesToNumberLE(signature.subarray(32, 64));
  if (S >= L) return false;
  if (decodesAlikeInOpenSsl(publicKey)) {
    try {
      const key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
      return nodeVerify(null, message, key, signature);
    } catch {
      return false; // OpenSSL could not decode the key: not a curve point, as Go would also find
    }
  }
  return verifyExact(publicKey, message, signature, S);
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

function decodesAlikeInOpenSsl(publicKey: Uint8Array): boolean {
  const y = bytesToNumberLE(publicKey) & ((1n << 255n) - 1n);
  if (y >= P_FIELD) return false; // non-canonical y: Go reduces it, OpenSSL may not
  const signBit = publicKey[31]! >> 7;
  if (signBit === 1 && (y === 1n || y === P_FIELD - 1n)) return false; // x = 0 with the sign bit set
  return true;
}
