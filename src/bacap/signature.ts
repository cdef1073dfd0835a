import { ed25519 } from '@noble/curves/ed25519.js';
import sodium from 'sodium-native';
import { bytesToNumberLE } from './_bytes.js';
import { decodePoint, scalarMultBase } from './points.js';
import { L, modL, reduce64, sc32, scalarMulAdd, sha512 } from './scalar.js';

/**
 * Blinded Ed25519 signing with hpqc's nonce rule (bacap.md §7.1):
 *   d = SHA512(sc32(s')), r = SHA512(d[32:64] || M || d[33:64]) mod L.
 * The 31 extra bytes after M are upstream's ("not part of the spec"); the result is still a
 * standard, deterministic Ed25519 signature, but only this rule reproduces Go's bytes.
 * Scalars travel as canonical 32-byte LE strings; libsodium does the mod-L arithmetic.
 */
export function blindedSignBytes(blindedScalar: Uint8Array, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const r = nonceBytes(blindedScalar, message);
  const sig = new Uint8Array(64);
  sig.set(scalarMultBase(r), 0);
  const k = reduce64(sha512(sig.subarray(0, 32), publicKey, message));
  sig.set(scalarMulAdd(k, blindedScalar, r), 32); // S = k·s' + r mod L
  r.fill(0);
  return sig;
}

function nonceBytes(blindedScalar: Uint8Array, message: Uint8Array): Uint8Array {
  const d = sha512(blindedScalar);
  const r = reduce64(sha512(d.subarray(32, 64), message, d.subarray(33, 64)));
  d.fill(0);
  return r;
}

/** blindedSignBytes for a bigint scalar (vector tests). */
export function blindedSign(blindedScalar: bigint, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  return blindedSignBytes(sc32(blindedScalar), publicKey, message);
}

/** The nonce r of blindedSign, exposed for the vector test of §7.1. */
export function blindedSignNonce(blindedScalar: bigint, message: Uint8Array): bigint {
  return bytesToNumberLE(nonceBytes(sc32(blindedScalar), message));
}

const P_FIELD = 2n ** 255n - 19n;
const L_BYTES = sc32(L);

/** True iff the 32-byte LE scalar is < L (Go: "S must be canonical"). Not secret, so not constant time. */
function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L_BYTES[i]!) return s[i]! < L_BYTES[i]!;
  }
  return false; // == L
}

// The encodings libsodium's ge25519_has_small_order refuses (sign bit ignored): the y of every
// point of order 1, 2, 4 and 8, plus the non-canonical p and p + 1. Derived from the order-8
// point's y so there is no long table to mistype.
const Y_ORDER_8 = bytesToNumberLE(Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')));
const SMALL_ORDER_Y = [0n, 1n, Y_ORDER_8, P_FIELD - Y_ORDER_8, P_FIELD - 1n, P_FIELD, P_FIELD + 1n].map((y) => sc32(y));

function isSmallOrderEncoding(p: Uint8Array): boolean {
  next: for (const y of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (p[i] !== y[i]) continue next;
    if ((p[31]! & 0x7f) === y[31]) return true;
  }
  return false;
}

/** y < p, ignoring the sign bit (libsodium's ge25519_is_canonical; Go reduces such y instead). */
function isCanonicalY(p: Uint8Array): boolean {
  if ((p[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (p[i] !== 0xff) return true;
  return p[0]! < 0xed;
}

/**
 * Ed25519 verification with Go's crypto/ed25519 semantics (bacap.md §7.2): cofactorless,
 * S < L required, sig[63] & 0xE0 == 0, public key decoded leniently (non-canonical y accepted),
 * small-order keys not rejected. Returns false for anything that does not verify; never throws
 * on untrusted bytes.
 *
 * Speed: libsodium's crypto_sign_verify_detached (sodium-native) runs the same cofactorless
 * equation — R' = [S]B - [k]A, compared with R as bytes — about twice as fast as OpenSSL and
 * twenty times noble. It refuses, before that equation, some inputs Go still evaluates: a
 * non-canonical or small-order key and a small-order R. Those go to the exact noble path, so
 * the answer is Go's for every input (the property tests compare both paths).
 */
export function verifyGo(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 0xe0) !== 0) return false;
  if (!isCanonicalScalar(signature.subarray(32, 64))) return false;
  if (isCanonicalY(publicKey) && !isSmallOrderEncoding(publicKey) && !isSmallOrderEncoding(signature)) {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  }
  return verifyExact(publicKey, message, signature);
}

/** The reference algorithm of §7.2 on noble points: encode([S]B - [k]A) == R, compared as bytes. */
export function verifyExact(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 0xe0) !== 0) return false;
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  const A = decodePoint(publicKey);
  if (!A) return false;
  const R = signature.subarray(0, 32);
  const k = modL(bytesToNumberLE(sha512(R, publicKey, message)));
  const G = ed25519.Point.BASE;
  // multiplyUnsafe refuses 0; [0]X is the identity.
  const sB = s === 0n ? ed25519.Point.ZERO : G.multiplyUnsafe(s);
  const kA = k === 0n ? ed25519.Point.ZERO : A.multiplyUnsafe(k);
  const check = sB.subtract(kA).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i]! ^ R[i]!;
  return diff === 0;
}
