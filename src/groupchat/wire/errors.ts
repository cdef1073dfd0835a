/**
 * Errors of the group chat wire layer (STYLE.md §5). Untrusted bytes that break a rule of
 * group-chat-wire.md give a WireError with a stable `code` (tests assert codes, not wording) and
 * the `path` of the offending field (`membership_hash`, `introduction.read_cap`,
 * `please_adds[2].display_name`) or a byte offset (`@17`). Messages give lengths and field names,
 * never cap or key bytes.
 *
 * A WireError is always about one box or one message: the caller records it and reads on
 * (katzenqt drops the message and keeps reading, except for a bad framing byte, where it stops
 * reading the peer for good; we deliberately do not, see framing.ts).
 */
export type WireErrorCode =
  // CBOR layer (cbor.ts)
  | 'cbor_truncated' // the input ends inside an item
  | 'cbor_malformed' // reserved additional info, a bad indefinite-length chunk, a stray break
  | 'cbor_too_deep' // nesting deeper than the decoder allows (stack safety)
  | 'cbor_too_large' // a declared length or count beyond what the input or a limit allows
  | 'invalid_utf8' // a text string that is not valid UTF-8 (katzenqt drops these too)
  // message structure (message.ts, please-add-list.ts)
  | 'not_a_map' // the top-level item is not a map
  | 'non_text_key' // a map we validate has a key that is not a text string
  | 'missing_field' // a required key is absent
  | 'wrong_type' // a field has the wrong CBOR type
  | 'bad_value' // a field has the right type but a forbidden value (negative version, ...)
  | 'unknown_msg_type' // msg_type outside 0..9 (wire §1.5)
  | 'bad_hash_length' // membership_hash not exactly 32 bytes (wire §1.5)
  | 'invalid_cap' // a read cap of the wrong length or with a root key that is not a curve point
  | 'file_too_large' // a file_upload payload above the 200 MiB receiver cap (wire §1.6)
  | 'bad_display_name' // a name outside 1..30 code points or with the `:substream:` prefix (§1.6, §1.7)
  | 'bad_extension' // one of our own x-bridge-* keys is malformed (the message itself is kept)
  // box framing and reassembly (framing.ts, reassembler.ts)
  | 'empty_box' // a box with no framing byte
  | 'bad_framing_byte' // first byte not 'F', 'C' or 'I' (wire §1.3)
  | 'empty_chunk' // a 'C' box with no body
  | 'bad_pointer_length' // an 'I' body that is neither 136 nor 140 bytes
  | 'unexpected_pointer' // an 'I' box on a temp stream
  | 'message_too_large' // the assembled chain would exceed the size limit
  | 'chunk_count_mismatch' // more boxes on a temp stream than its 140-byte pointer announced
  | 'stream_finished' // a box fed to a temp stream after its final 'F'
  | 'bad_state'; // a persisted reassembly state that does not validate

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    /** Field path (`file_upload.payload`) or byte offset (`@12`); '' for the whole item. */
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${detail}` : detail, options);
  }
}

/** Joins a field path: at('file_upload', 'payload') -> 'file_upload.payload'. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}
