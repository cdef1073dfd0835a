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

let scratch = new Uint8Array(1024);

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

function padsForSalt(salt: Uint8Array | undefined): Pads {
  if (salt === undefined || salt.length === 0) return NO_SALT;
  const id = Buffer.from(salt.buffer, salt.byteOffset, salt.byteLength).toString('latin1');
  let pads = saltPads.get(id);
  if (!pads) {
    if (saltPads.size >= SALT_CACHE_LIMIT) saltPads.clear();
    pads = padsFor(salt);
    saltPads.set(id, pads);
  }
  return pads;
}

function ensureScratch(length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  return scratch;
}

/** out = HMAC-BLAKE2b-512(pads, a || b || c); out is 64 bytes. */
function hmac(out: Uint8Array, pads: Pads, a: Uint8Array, b?: Uint8Array, c?: number): void {
  const msgLength = a.length + (b ? b.length : 0) + (c === undefined ? 0 : 1);
  const buf = ensureScratch(BLOCK + Math.max(msgLength, OUT));
  buf.set(pads.inner, 0);
  buf.set(a, BLOCK);
  if (b) buf.set(b, BLOCK + a.length);
  if (c !== undefined) buf[BLOCK + msgLength - 1] = c;
  blake2b512(out, buf.subarray(0, BLOCK + msgLength));
  buf.set(pads.outer, 0);
  buf.set(out, BLOCK);
  blake2b512(out, buf.subarray(0, BLOCK + OUT));
}

export function hkdfBlake2b(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_OKM) throw new RangeError(`length: expected 0..${MAX_OKM}, got ${length}`);
  const prk = new Uint8Array(OUT);
  hmac(prk, padsForSalt(salt), ikm); // RFC 5869 §2.2: PRK = HMAC(salt, IKM)
  const expand = padsFor(prk); // §2.3: T(i) = HMAC(PRK, T(i-1) || info || i)
  prk.fill(0);
  const okm = new Uint8Array(length);
  const t = new Uint8Array(OUT);
  for (let i = 1, at = 0; at < length; i++, at += OUT) {
    if (i === 1) hmac(t, expand, info, undefined, 1);
    else hmac(t, expand, t, info, i);
    okm.set(length - at >= OUT ? t : t.subarray(0, length - at), at);
  }
  t.fill(0);
  expand.inner.fill(0);
  expand.outer.fill(0);
  scratch.fill(0, 0, BLOCK + Math.max(ikm.length, OUT + info.length + 1)); // no key material left behind
  return okm;
}
