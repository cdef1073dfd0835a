/**
 * Errors of the BACAP layer. Every failure on untrusted input is a BacapError with a stable
 * `code` (tests assert codes, not wording); `goMessage` is the string the Go reference (hpqc
 * bacap, v0.0.74 and later) returns for the same condition (bacap.md §11), so logs can be
 * compared with the daemon's. Messages give lengths and field names, never key material.
 */
export type BacapErrorCode =
  | 'WRONG_LENGTH' // a cap, index, box ID or signature of the wrong size
  | 'INVALID_POINT' // a root public key that is not a curve point
  | 'KEY_MISMATCH' // a WriteCap whose stored public key is not the seed's
  | 'INDEX_REWIND' // advancing backwards, or past 2^64 - 1 (the end of a stream)
  | 'INDEX_NOT_ON_STREAM' // Contains: the index is not one this cap's ratchet reaches
  | 'INDEX_TOO_FAR' // Contains: the index is further ahead than Contains walks (2^18 steps)
  | 'BAD_SIGNATURE' // signature verification failed
  | 'EMPTY_BOX' // an all-zero box ID: no message was received
  | 'WRONG_BOX' // a box other than the one the cap and index derive
  | 'BAD_CIPHERTEXT_LENGTH' // a signed ciphertext of 1..15 bytes
  | 'DECRYPTION_FAILED' // AEAD tag mismatch: wrong context, wrong index, other variant, tampering
  | 'BAD_CBOR' // a stateful reader/writer blob that does not decode
  | 'MISSING_FIELD'; // a required value that is absent (nil in Go terms)

export class BacapError extends Error {
  override readonly name = 'BacapError';
  constructor(
    readonly code: BacapErrorCode,
    message: string,
    readonly goMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// The Go strings, for the codes that have one (bacap.md §11).
export const GO_MESSAGES = {
  mbiSize: 'invalid MessageBoxIndex binary size',
  writeCapSize: 'invalid BoxOwnerCap binary size',
  readCapSize: 'invalid ReadCap binary size',
  rewind: 'cannot rewind index: target index is less than current index',
  badSignature: 'signature verification failed',
  badCiphertextLength: 'gcmsiv: bad ciphertext length',
  decryptionFailure: 'gcmsiv: decryption failure',
  emptyBox: 'empty box, no message received',
  wrongBox: 'reply does not match expected box ID',
  indexNotInChannel: "bacap: index is not on this capability's stream",
  indexTooFar: 'bacap: index is too far ahead to check',
} as const;
