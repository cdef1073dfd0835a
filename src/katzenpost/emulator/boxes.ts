// BACAP box contents as Pigeonhole writes them (thin-client §3.2): the message is padded to
// MaxPlaintextPayloadLength + 4 (4-byte BE length ‖ message ‖ zeros) before encryption, so every
// box ciphertext has the same size; an empty message is a tombstone (bacap.md §9.5).
import {
  type MessageBoxIndex,
  PIGEONHOLE_CONTEXT,
  type SealedBox,
  type WriteCap,
  encryptForContext,
  tombstoneFor,
} from '../../bacap/index.js';

export function padPlaintext(message: Uint8Array, maxPlaintext: number): Uint8Array {
  if (message.length > maxPlaintext) throw new RangeError(`message: at most ${maxPlaintext} bytes, got ${message.length}`);
  const out = new Uint8Array(maxPlaintext + 4);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}

/** The message inside a padded plaintext, or undefined when the length prefix is impossible. */
export function unpadPlaintext(padded: Uint8Array): Uint8Array | undefined {
  if (padded.length < 4) return undefined;
  const n = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  if (n > padded.length - 4) return undefined;
  return padded.slice(4, 4 + n);
}

/** What encrypt_write puts in the box: deterministic, so a retried write is byte-identical (§2.3). */
export function sealMessage(cap: WriteCap, index: MessageBoxIndex, message: Uint8Array, maxPlaintext: number): SealedBox {
  if (message.length === 0) return tombstoneFor(cap, index, PIGEONHOLE_CONTEXT);
  return encryptForContext(cap, index, PIGEONHOLE_CONTEXT, padPlaintext(message, maxPlaintext));
}
