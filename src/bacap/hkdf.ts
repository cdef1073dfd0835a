import sodium from 'sodium-native';

/**
 * HKDF (RFC 5869) with HMAC over unkeyed BLAKE2b-512, as hpqc's BACAP uses it (bacap.md §1).
 *
 * Speed: every index step and every box derivation runs this, so it is built for few native
 * calls. libsodium's crypto_generichash is unkeyed BLAKE2b-512 here; HMAC (RFC 2104) is two
 * one-shot hashes over pad || message assembled in a scratch buffer, and the pads of the salts we
 * see again and again (absent, and the stream contexts) are cached. That is ~4x faster than
 * node:crypto's hkdfSync('blake2b512', …), which pays OpenSSL's per-call setup; the vector test
 * pins the bytes against hpqc, including a salt longer than the 128-byte block.
 *
 * An absent salt is 64 zero bytes; an empty salt gives the same result because HMAC zero-pads
 * keys (RFC 5869 §2.2), so both use the same pads.
 */
const BLOCK = 128; // BLAKE2b block size: HMAC's B
const OUT = 64; // BLAKE2b-512 output: HMAC's L and HKDF's HashLen
const MAX_OKM = 255 * OUT;
const SALT_CACHE_LIMIT = 64;

interface Pads {
  readonly inner: Uint8Array; // key ^ 0x36, BLOCK bytes
  readonly outer: Uint8Array; // key ^ 0x5c, BLOCK bytes
}

function blake2b512(out: Uint8Array, input: Uint8Array): void {
  sodium.crypto_generichash(out, input);
}

function padsFor(key: Uint8Array): Pads {
  const k = new Uint8Array(BLOCK);
  if (key.length > BLOCK) blake2b512(k.subarray(0, OUT), key);
  else k.set(key);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  k.fill(0);
  return { inner, outer };
}

const NO_SALT = padsFor(new Uint8Array(0));
const saltPads = new Map<string, Pads>();

function padsForSalt(salt: Uint8Array | undefined, cacheSalt: boolean): Pads {
  if (salt === undefined || salt.length === 0) return NO_SALT;
  if (!cacheSalt) return padsFor(salt);
  const id = Buffer.from(salt.buffer, salt.byteOffset, salt.byteLength).toString('latin1');
  let pads = saltPads.get(id);
  if (!pads) {
    if (saltPads.size >= SALT_CACHE_LIMIT) saltPads.clear();
    pads = padsFor(salt);
    saltPads.set(id, pads);
  }
  return pads;
}

// Working buffers, reused (this code is synchronous, so never re-entered) and wiped after use:
// `input` holds an inner pad and its message, `outerInput` an outer pad and the inner hash.
let input = new Uint8Array(BLOCK + 256);
const outerInput = new Uint8Array(BLOCK + OUT);
const prk = new Uint8Array(OUT);
const t = new Uint8Array(OUT);
// HMAC pads of the PRK: only the first 64 bytes depend on it (the PRK is 64 bytes; the rest of
// the block is the zero padding XOR the pad byte).
const prkInner = new Uint8Array(BLOCK).fill(0x36);
const prkOuter = new Uint8Array(BLOCK).fill(0x5c);

function inputOf(length: number): Uint8Array {
  if (input.length < length) input = new Uint8Array(Math.max(length, input.length * 2));
  return input;
}

/** out = BLAKE2b(outer || BLAKE2b(input[0:length])), where input already starts with the inner pad. */
function finishHmac(out: Uint8Array, outer: Uint8Array, length: number): void {
  blake2b512(out, input.subarray(0, length));
  outerInput.set(outer, 0);
  outerInput.set(out, BLOCK);
  blake2b512(out, outerInput);
}

/**
 * HKDF-BLAKE2b-512(ikm, salt, info) → `length` bytes. Salts are cached unless `cacheSalt` is
 * false: pass false for a secret salt (MutateKDFState's voucher salt) so no trace of it stays in
 * memory; box contexts are public and repeat, so they are cached.
 */
export function hkdfBlake2b(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number, cacheSalt = true): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_OKM) throw new RangeError(`length: expected 0..${MAX_OKM}, got ${length}`);
  // RFC 5869 §2.2: PRK = HMAC(salt, IKM)
  const pads = padsForSalt(salt, cacheSalt);
  const buf = inputOf(BLOCK + Math.max(ikm.length, OUT + info.length + 1));
  buf.set(pads.inner, 0);
  buf.set(ikm, BLOCK);
  finishHmac(prk, pads.outer, BLOCK + ikm.length);
  // §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), OKM = T(1) || T(2) || ...
  for (let i = 0; i < OUT; i++) {
    prkInner[i] = prk[i]! ^ 0x36;
    prkOuter[i] = prk[i]! ^ 0x5c;
  }
  buf.set(prkInner, 0);
  const okm = new Uint8Array(length);
  for (let i = 1, at = 0; at < length; i++, at += OUT) {
    let end = BLOCK;
    if (i > 1) {
      buf.set(t, end);
      end += OUT;
    }
    buf.set(info, end);
    end += info.length;
    buf[end++] = i;
    finishHmac(t, prkOuter, end);
    okm.set(length - at >= OUT ? t : t.subarray(0, length - at), at);
  }
  // No key material left behind in the shared buffers.
  buf.fill(0, 0, BLOCK + Math.max(ikm.length, OUT + info.length + 1));
  outerInput.fill(0);
  prk.fill(0);
  t.fill(0);
  prkInner.fill(0x36, 0, OUT);
  prkOuter.fill(0x5c, 0, OUT);
  if (!cacheSalt && pads !== NO_SALT) {
    pads.inner.fill(0);
    pads.outer.fill(0);
  }
  return okm;
}
