import { gcmsiv } from '@noble/ciphers/aes.js';
import { ecb } from '@noble/ciphers/aes.js';
import { polyval } from '@noble/ciphers/_polyval.js';
import { BacapError, GO_MESSAGES } from './errors.js';

/**
 * AES-256-GCM-SIV for BACAP boxes (bacap.md §8). Key E_ctx, AAD the full 32-byte box ID,
 * output ct || tag16.
 *  - 'nonce12' (current upstream, default): RFC 8452 with nonce BoxID[0:12].
 *  - 'nonce16' (hpqc <= v0.0.74): agl/gcmsiv fed BoxID[0:16] — 12 bytes for key derivation but
 *    all 16 XORed into the tag block, so NOT RFC 8452 (§8.2). Kept for old data only.
 */
export type AeadVariant = 'nonce12' | 'nonce16';
export const DEFAULT_AEAD_VARIANT: AeadVariant = 'nonce12';
const TAG_BYTES = 16;

export function aeadSeal(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (variant === 'nonce12') return gcmsiv(key, boxId.subarray(0, 12), boxId).encrypt(plaintext);
  return sealNonce16(key, boxId.subarray(0, 16), boxId, plaintext);
}

/** Opens a box's ciphertext; throws BacapError BAD_CIPHERTEXT_LENGTH or DECRYPTION_FAILED. */
export function aeadOpen(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG_BYTES) {
    throw new BacapError('BAD_CIPHERTEXT_LENGTH', `ciphertext of ${ciphertext.length} bytes is shorter than the 16-byte tag`, GO_MESSAGES.badCiphertextLength);
  }
  if (variant === 'nonce12') {
    try {
      return gcmsiv(key, boxId.subarray(0, 12), boxId).decrypt(ciphertext);
    } catch (cause) {
      throw new BacapError('DECRYPTION_FAILED', 'box ciphertext failed authentication', GO_MESSAGES.decryptionFailure, { cause });
    }
  }
  return openNonce16(key, boxId.subarray(0, 16), boxId, ciphertext);
}

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** §8.2 key schedule: six AES blocks of LE32(j) || N[0:12]. */
function deriveKeys(key: Uint8Array, nonce16: Uint8Array): { authKey: Uint8Array; encKey: Uint8Array } {
  const blocks = new Uint8Array(6 * 16);
  for (let j = 0; j < 6; j++) {
    blocks.set(le32(j), j * 16);
    blocks.set(nonce16.subarray(0, 12), j * 16 + 4);
  }
  const out = ecb(key, { disablePadding: true }).encrypt(blocks);
  const authKey = new Uint8Array(16);
  const encKey = new Uint8Array(32);
  for (let j = 0; j < 2; j++) authKey.set(out.subarray(j * 16, j * 16 + 8), j * 8);
  for (let j = 0; j < 4; j++) encKey.set(out.subarray((j + 2) * 16, (j + 2) * 16 + 8), j * 8);
  return { authKey, encKey };
}

function pad16Length(n: number): number {
  return Math.ceil(n / 16) * 16;
}

function computeTag(authKey: Uint8Array, encKey: Uint8Array, nonce16: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const aadLen = pad16Length(aad.length);
  const x = new Uint8Array(aadLen + pad16Length(plaintext.length) + 16);
  x.set(aad, 0);
  x.set(plaintext, aadLen);
  const lens = new DataView(x.buffer, x.length - 16);
  lens.setBigUint64(0, BigInt(aad.length) * 8n, true);
  lens.setBigUint64(8, BigInt(plaintext.length) * 8n, true);
  const s = polyval(x, authKey);
  for (let i = 0; i < 16; i++) s[i]! ^= nonce16[i]!; // all 16 bytes: the agl deviation from RFC 8452
  s[15]! &= 0x7f;
  return ecb(encKey, { disablePadding: true }).encrypt(s);
}

function ctr(encKey: Uint8Array, tag: Uint8Array, input: Uint8Array): Uint8Array {
  const nBlocks = Math.ceil(input.length / 16);
  if (nBlocks === 0) return new Uint8Array(0);
  const counter = tag.slice();
  counter[15]! |= 0x80;
  const c0 = new DataView(counter.buffer).getUint32(0, true);
  const counters = new Uint8Array(nBlocks * 16);
  for (let n = 0; n < nBlocks; n++) {
    counters.set(counter, n * 16);
    new DataView(counters.buffer, n * 16, 4).setUint32(0, (c0 + n) >>> 0, true);
  }
  const stream = ecb(encKey, { disablePadding: true }).encrypt(counters);
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! ^ stream[i]!;
  return out;
}

function sealNonce16(key: Uint8Array, nonce16: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { authKey, encKey } = deriveKeys(key, nonce16);
  const tag = computeTag(authKey, encKey, nonce16, aad, plaintext);
  const out = new Uint8Array(plaintext.length + TAG_BYTES);
  out.set(ctr(encKey, tag, plaintext), 0);
  out.set(tag, plaintext.length);
  return out;
}

function openNonce16(key: Uint8Array, nonce16: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const { authKey, encKey } = deriveKeys(key, nonce16);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  const plaintext = ctr(encKey, tag, ciphertext.subarray(0, ciphertext.length - TAG_BYTES));
  const expected = computeTag(authKey, encKey, nonce16, aad, plaintext);
  let diff = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i]! ^ tag[i]!;
  if (diff !== 0) throw new BacapError('DECRYPTION_FAILED', 'box ciphertext failed authentication', GO_MESSAGES.decryptionFailure);
  return plaintext;
}
