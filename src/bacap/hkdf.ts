import { hkdfSync } from 'node:crypto';

/**
 * HKDF (RFC 5869) with HMAC over unkeyed BLAKE2b-512, as hpqc's BACAP uses it (bacap.md §1).
 * node:crypto's OpenSSL implementation gives the same bytes as noble's hkdf(blake2b, …) — the
 * vector test pins that — and is about six times faster, which matters because every index step
 * and every box derivation runs it.
 *
 * An absent salt is 64 zero bytes; an empty salt gives the same result because HMAC zero-pads
 * keys (RFC 5869 §2.2), so both are passed as an empty buffer.
 */
export function hkdfBlake2b(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('blake2b512', ikm, salt ?? EMPTY, info, length));
}

const EMPTY = new Uint8Array(0);
