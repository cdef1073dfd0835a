// Untrusted bytes from the peer that do not make a valid frame (STYLE.md §5): a named error with
// a stable code and the field path, never the field's contents (they may be caps or tokens).

export type ProtocolErrorCode =
  /** The length prefix is above MAX_FRAME_BYTES (§1.2). */
  | 'frame_too_large'
  /** The frame is not exactly one well-formed CBOR item. */
  | 'cbor_malformed'
  /** The top level is not a map with one non-null key (§1.3). */
  | 'not_a_message'
  /** More than one top-level key is non-null. */
  | 'ambiguous_message'
  /** A field has the wrong CBOR type. */
  | 'wrong_type'
  /** A byte string, list or integer is outside its allowed length or range. */
  | 'bad_length'
  /** A field that must be present is missing or null. */
  | 'missing_field'
  /** The stream ended inside a frame. */
  | 'truncated';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    /** Dotted path of the offending field, e.g. "encrypt_write_reply.envelope_hash"; "" for
     *  the frame itself. */
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${detail}` : detail, options);
  }
}
