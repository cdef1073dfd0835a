import { ed25519 } from '@noble/curves/ed25519.js';
import sodium from 'sodium-native';
import { bytesToNumberLE } from './_bytes.js';
import { sc32 } from './scalar.js';

/**
 * Ed25519 scalar multiplication with Go's semantics (filippo.io/edwards25519), fast.
 *
 * libsodium (sodium-native, which ships prebuilt binaries) is ~5x faster than noble for the
 * base point and ~5x for a variable point, but it refuses some inputs Go accepts: non-canonical
 * or small-order points, points outside the prime-order subgroup, and results at infinity. Those
 * never occur for honest caps (P = a·B), so libsodium serves the common case and noble — which
 * decodes like Go (`zip215 = true`: non-canonical y accepted) and multiplies on the full curve —
 * serves the rest, so the answer is always Go's.
 */
const { Point } = ed25519;
const IDENTITY = Point.ZERO.toBytes();

type Scalar = bigint | Uint8Array; // a bigint 0 <= s < L, or its canonical 32-byte LE encoding

function scalarParts(s: Scalar): { bytes: Uint8Array; big: () => bigint; zero: boolean } {
  if (typeof s === 'bigint') return { bytes: sc32(s), big: () => s, zero: s === 0n };
  let acc = 0;
  for (let i = 0; i < s.length; i++) acc |= s[i]!;
  return { bytes: s, big: () => bytesToNumberLE(s), zero: acc === 0 };
}

/** encode(s·B) for a scalar 0 <= s < L. */
export function scalarMultBase(s: Scalar): Uint8Array {
  const { bytes, big, zero } = scalarParts(s);
  if (zero) return IDENTITY.slice();
  const out = new Uint8Array(32);
  try {
    sodium.crypto_scalarmult_ed25519_base_noclamp(out, bytes);
    return out;
  } catch {
    return Point.BASE.multiply(big()).toBytes();
  }
}

/**
 * encode(s·P) for a 32-byte encoded point P (decoded as Go does) and 0 <= s < L.
 * Returns undefined if P is not a curve point.
 */
export function scalarMultPoint(p: Uint8Array, s: Scalar): Uint8Array | undefined {
  const { bytes, big, zero } = scalarParts(s);
  if (!zero) {
    const out = new Uint8Array(32);
    try {
      sodium.crypto_scalarmult_ed25519_noclamp(out, bytes, p);
      return out;
    } catch {
      // fall through to the exact path
    }
  }
  const point = decodePoint(p);
  if (!point) return undefined;
  return zero ? IDENTITY.slice() : point.multiply(big()).toBytes();
}

/** Decodes like Go's edwards25519 SetBytes: non-canonical y accepted; undefined if not on the curve. */
export function decodePoint(p: Uint8Array): InstanceType<typeof Point> | undefined {
  try {
    return Point.fromBytes(p, true);
  } catch {
    return undefined;
  }
}

/** The public key of an Ed25519 seed (RFC 8032), as Go's ed25519.NewKeyFromSeed computes it. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}
