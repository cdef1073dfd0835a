/**
 * BACAP (Blinding-and-Capability), byte-compatible with Katzenpost's Go reference (hpqc bacap).
 * Spec: shared/specs/bacap.md. Pure: no I/O, imports nothing of ours.
 */
export { BacapError, type BacapErrorCode } from './errors.js';
export { type AeadVariant, DEFAULT_AEAD_VARIANT } from './gcm-siv.js';
export { MessageBoxIndex, MESSAGE_BOX_INDEX_BYTES, type RandomSource, type StartIndexRule, secureRandom } from './message-box-index.js';
export { ReadCap, WriteCap, READ_CAP_BYTES, WRITE_CAP_BYTES, ROOT_PUBLIC_KEY_BYTES, MAX_CONTAINS_STEPS } from './caps.js';
export {
  AEAD_TAG_BYTES,
  BOX_ID_BYTES,
  PIGEONHOLE_CONTEXT,
  SIGNATURE_BYTES,
  type OpenedBox,
  type SealedBox,
  ReadPosition,
  boxIdFor,
  encryptForContext,
  openForContext,
  signBox,
  tombstoneFor,
  verifyBox,
} from './box.js';
export { StatefulReader, StatefulWriter } from './stateful.js';
