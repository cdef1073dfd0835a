import { createCipheriv } from 'node:crypto';
import { polyval } from '@noble/ciphers/_polyval.js';
import { BacapError, GO_MESSAGES } from './errors.js';

/**
 * AES-256-GCM-SIV for BACAP boxes (bacap.md §8). Key E_ctx, AAD the full 32-byte box ID,
 * output ct || tag16.
 *  - 'nonce12' (current upstream, default): RFC 8452 with nonce BoxID[0:12].
 *  - 'nonce16' (hpqc <= v0.0.74): agl/gcmsiv fed BoxID[0:16] — 12 bytes for key derivation but
 *    all 16 XORed into the tag block, so NOT RFC 8452 (§8.2). Kept for old data only.
 *
 * One construction serves both: RFC 8452 is exactly the agl behaviour with nonce bytes 12..15
 * zero (§8.2), so nonce12 runs it with BoxID[0:12] || 0000. The AES block operations go through
 * node:crypto (OpenSSL, AES-NI) in ECB mode on blocks we lay out ourselves — GCM-SIV's counter
 * increments the first 32 bits little-endian, which OpenSSL's CTR mode does not — and POLYVAL is
 * noble's. The vector tests pin both variants, and the RFC 8452 contrast values, byte for byte.
 */
export type AeadVariant = 'nonce12' | 'nonce16';
export const DEFAULT_AEAD_VARIANT: AeadVariant = 'nonce12';
const TAG_BYTES = 16;

function nonceFor(variant: AeadVariant, boxId: Uint8Array): Uint8Array {
  const n = new Uint8Array(16);
  n.set(boxId.subarray(0, variant === 'nonce12' ? 12 : 16));
  return n;
}

export function aeadSeal(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return seal(key, nonceFor(variant, boxId), boxId, plaintext);
}

/** Opens a box's ciphertext; throws BacapError BAD_CIPHERTEXT_LENGTH or DECRYPTION_FAILED. */
export function aeadOpen(variant: AeadVariant, key: Uint8Array, boxId: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG_BYTES) {
    throw new BacapError('BAD_CIPHERTEXT_LENGTH', `ciphertext of ${ciphertext.length} bytes is shorter than the 16-byte tag`, GO_MESSAGES.badCiphertextLength);
  }
  return open(key, nonceFor(variant, boxId), boxId, ciphertext);
}

type BlockCipher = (blocks: Uint8Array) => Uint8Array;

function aesEcb(key: Uint8Array): BlockCipher {
  const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  return (blocks) => new Uint8Array(cipher.update(blocks));
}

/** §8.2 key schedule: six AES blocks of LE32(j) || N[0:12]; the first 8 bytes of each. */
function deriveKeys(key: Uint8Array, nonce16: Uint8Array): { authKey: Uint8Array; enc: BlockCipher } {
  const blocks = new Uint8Array(6 * 16);
  for (let j = 0; j < 6; j++) {
    blocks[j * 16] = j;
    blocks.set(nonce16.subarray(0, 12), j * 16 + 4);
  }
  const out = aesEcb(key)(blocks);
  const authKey = new Uint8Array(16);
  const encKey = new Uint8Array(32);
  for (let j = 0; j < 2; j++) authKey.set(out.subarray(j * 16, j * 16 + 8), j * 8);
  for (let j = 0; j < 4; j++) encKey.set(out.subarray((j + 2) * 16, (j + 2) * 16 + 8), j * 8);
  return { authKey, enc: aesEcb(encKey) };
}

function computeTag(authKey: Uint8Array, enc: BlockCipher, nonce16: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const aadLen = Math.ceil(aad.length / 16) * 16;
  const x = new Uint8Array(aadLen + Math.ceil(plaintext.length / 16) * 16 + 16);
  x.set(aad, 0);
  x.set(plaintext, aadLen);
  const lens = new DataView(x.buffer, x.length - 16);
  lens.setBigUint64(0, BigInt(aad.length) * 8n, true);
  lens.setBigUint64(8, BigInt(plaintext.length) * 8n, true);
  const s = polyval(x, authKey);
  for (let i = 0; i < 16; i++) s[i]! ^= nonce16[i]!; // all 16 bytes: the agl deviation (zero in nonce12)
  s[15]! &= 0x7f;
  return enc(s);
}

function ctr(enc: BlockCipher, tag: Uint8Array, input: Uint8Array): Uint8Array {
  const nBlocks = Math.ceil(input.length / 16);
  if (nBlocks === 0) return new Uint8Array(0);
  const counters = new Uint8Array(nBlocks * 16);
  const view = new DataView(counters.buffer);
  const c0 = new DataView(tag.buffer, tag.byteOffset, 4).getUint32(0, true);
  for (let n = 0; n < nBlocks; n++) {
    counters.set(tag, n * 16);
    counters[n * 16 + 15]! |= 0x80;
    view.setUint32(n * 16, (c0 + n) >>> 0, true);
  }
  const stream = enc(counters);
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! ^ stream[i]!;
  return out;
}

function seal(key: Uint8Array, nonce16: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { authKey, enc } = deriveKeys(key, nonce16);
  const tag = computeTag(authKey, enc, nonce16, aad, plaintext);
  const out = new Uint8Array(plaintext.length + TAG_BYTES);
  out.set(ctr(enc, tag, plaintext), 0);
  out.set(tag, plaintext.length);
  return out;
}

function open(key: Uint8Array, nonce16: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const { authKey, enc } = deriveKeys(key, nonce16);
  const tag = ciphertext.slice(ciphertext.length - TAG_BYTES);
  const plaintext = ctr(enc, tag, ciphertext.subarray(0, ciphertext.length - TAG_BYTES));
  const expected = computeTag(authKey, enc, nonce16, aad, plaintext);
  let diff = 0;
  for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i]! ^ tag[i]!;
  if (diff !== 0) throw new BacapError('DECRYPTION_FAILED', 'box ciphertext failed authentication', GO_MESSAGES.decryptionFailure);
  return plaintext;
}
