import { unsafe as aes } from '@noble/ciphers/aes.js';
import { BacapError, GO_MESSAGES } from './errors.js';
import { polyvalAeadWords } from './polyval.js';

/**
 * AES-256-GCM-SIV for BACAP boxes (bacap.md §8). Key E_ctx, AAD the full 32-byte box ID,
 * output ct || tag16.
 *  - 'nonce12' (current upstream, default): RFC 8452 with nonce BoxID[0:12].
 *  - 'nonce16' (hpqc <= v0.0.74): agl/gcmsiv fed BoxID[0:16] — 12 bytes for key derivation but
 *    all 16 XORed into the tag block, so NOT RFC 8452 (§8.2). Kept for old data only.
 * The two differ only in how many nonce bytes enter the tag, so one construction serves both:
 * noble's AES block function (unsafe.encrypt / expandKeyLE) and our POLYVAL (polyval.ts), which,
 * unlike noble's gcmsiv, does not spend ~30 µs building a table for every box's fresh key.
 * The vector test pins both variants against Go, and the nonce12 path against noble's gcmsiv.
 */
export type AeadVariant = 'nonce12' | 'nonce16';
export const DEFAULT_AEAD_VARIANT: AeadVariant = 'nonce12';
const TAG_BYTES = 16;

/** Our own callers' misuse: a variant that is neither of the two is a TypeError, never a silent default. */
export function assertVariant(variant: unknown): AeadVariant {
  if (variant !== 'nonce12' && variant !== 'nonce16') throw new TypeError(`variant: expected 'nonce12' or 'nonce16', got ${typeof variant === 'string' ? JSON.stringify(variant) : typeof variant}`);
  return variant;
}

function readWord(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function writeWord(b: Uint8Array, o: number, w: number): void {
  b[o] = w & 0xff;
  b[o + 1] = (w >>> 8) & 0xff;
  b[o + 2] = (w >>> 16) & 0xff;
  b[o + 3] = w >>> 24;
}

interface SivKeys {
  readonly authKey: Uint8Array; // 16 bytes
  readonly encXk: Uint32Array; // expanded AES-256 key schedule
}

/** RFC 8452 §4 key schedule (and agl's): AES_K(LE32(j) || N[0:12]) for j = 0..5, first 8 bytes each. */
function deriveKeys(key: Uint8Array, nonce: Uint8Array): SivKeys {
  const xk = aes.expandKeyLE(key);
  const n1 = readWord(nonce, 0), n2 = readWord(nonce, 4), n3 = readWord(nonce, 8);
  const authKey = new Uint8Array(16);
  const encKey = new Uint8Array(32);
  for (let j = 0; j < 6; j++) {
    const { s0, s1 } = aes.encrypt(xk, j, n1, n2, n3);
    const dst = j < 2 ? authKey : encKey;
    const at = (j < 2 ? j : j - 2) * 8;
    writeWord(dst, at, s0);
    writeWord(dst, at + 4, s1);
  }
  xk.fill(0);
  const encXk = aes.expandKeyLE(encKey);
  encKey.fill(0);
  return { authKey, encXk };
}

/** The tag: AES_encKey(POLYVAL(...) ^ nonce, top bit cleared); nonceWords is 3 (RFC) or 4 (agl). */
function computeTag(keys: SivKeys, nonce: Uint8Array, nonceWords: number, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const s = polyvalAeadWords(keys.authKey, aad, plaintext);
  for (let w = 0; w < nonceWords; w++) s[w]! ^= readWord(nonce, w * 4);
  s[3] = s[3]! & 0x7fffffff;
  const t = aes.encrypt(keys.encXk, s[0]!, s[1]!, s[2]!, s[3]!);
  const tag = new Uint8Array(TAG_BYTES);
  writeWord(tag, 0, t.s0);
  writeWord(tag, 4, t.s1);
  writeWord(tag, 8, t.s2);
  writeWord(tag, 12, t.s3);
  return tag;
}

/** CTR from the tag with its top bit set; the first word counts as LE32 modulo 2^32 (RFC 8452 §4). */
function ctr(encXk: Uint32Array, tag: Uint8Array, input: Uint8Array, out: Uint8Array): void {
  const c0 = readWord(tag, 0), c1 = readWord(tag, 4), c2 = readWord(tag, 8), c3 = (readWord(tag, 12) | 0x80000000) >>> 0;
  const block = new Uint8Array(16);
  for (let o = 0, n = 0; o < input.length; o += 16, n++) {
    const k = aes.encrypt(encXk, (c0 + n) >>> 0, c1, c2, c3);
    writeWord(block, 0, k.s0);
    writeWord(block, 4, k.s1);
    writeWord(block, 8, k.s2);
    writeWord(block, 12, k.s3);
    const end = Math.min(16, input.length - o);
    for (let i = 0; i < end; i++) out[o + i] = input[o + i]! ^ block[i]!;
  }
}

function nonceFor(variant: AeadVariant, boxId: Uint8Array): { nonce: Uint8Array; words: number } {
  if (variant === 'nonce12') return { nonce: boxId.subarray(0, 12), words: 3 };
  if (variant === 'nonce16') return { nonce: boxId.subarray(0, 16), words: 4 };
  return nonceFor(assertVariant(variant), boxId);
}

/** Seals a box's plaintext: ct || tag, nonce and AAD from the box ID. */
export function aeadSeal(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { nonce, words } = nonceFor(variant, boxId);
  const keys = deriveKeys(key, nonce);
  const tag = computeTag(keys, nonce, words, boxId, plaintext);
  const out = new Uint8Array(plaintext.length + TAG_BYTES);
  ctr(keys.encXk, tag, plaintext, out);
  out.set(tag, plaintext.length);
  keys.encXk.fill(0);
  return out;
}

/** Opens a box's ciphertext; throws BacapError BAD_CIPHERTEXT_LENGTH or DECRYPTION_FAILED. */
export function aeadOpen(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const { nonce, words } = nonceFor(variant, boxId);
  if (ciphertext.length < TAG_BYTES) {
    throw new BacapError('BAD_CIPHERTEXT_LENGTH', `ciphertext of ${ciphertext.length} bytes is shorter than the 16-byte tag`, GO_MESSAGES.badCiphertextLength);
  }
  const keys = deriveKeys(key, nonce);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  const plaintext = new Uint8Array(ciphertext.length - TAG_BYTES);
  ctr(keys.encXk, tag, ciphertext.subarray(0, plaintext.length), plaintext);
  const expected = computeTag(keys, nonce, words, boxId, plaintext);
  keys.encXk.fill(0);
  let diff = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i]! ^ tag[i]!;
  if (diff !== 0) {
    plaintext.fill(0); // RFC 8452 §5: unauthenticated plaintext is never released
    throw new BacapError('DECRYPTION_FAILED', 'box ciphertext failed authentication', GO_MESSAGES.decryptionFailure);
  }
  return plaintext;
}
