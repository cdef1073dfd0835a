// Framing and the response envelope of the thin-client protocol, daemon side (thin-client §1.2,
// §1.3): 4-byte BE length + one CBOR item, at most 40 MiB; every response carries all 25 keys
// with null for all but one, as Go's struct encoder without omitempty does.
import { Encoder } from 'cbor-x';

export const MAX_FRAME_BYTES = 40 * 1024 * 1024;

/** The daemon's Response struct, in its field order (client/thin/thin_messages.go). */
export const RESPONSE_KEYS = [
  'session_token_reply',
  'shutdown_event',
  'connection_status_event',
  'new_pki_document_event',
  'message_sent_event',
  'message_reply_event',
  'message_id_garbage_collected',
  'new_keypair_reply',
  'encrypt_read_reply',
  'encrypt_write_reply',
  'start_resending_encrypted_message_reply',
  'cancel_resending_encrypted_message_reply',
  'next_message_box_index_reply',
  'start_resending_copy_command_reply',
  'cancel_resending_copy_command_reply',
  'create_courier_envelopes_from_payload_reply',
  'create_courier_envelopes_from_multi_payload_reply',
  'create_courier_envelopes_from_tombstone_range_reply',
  'get_message_box_index_counter_reply',
  'get_pki_document_reply',
  'get_directory_authorities_reply',
  'voucher_mint_reply',
  'voucher_induct_reply',
  'voucher_open_reply',
  'voucher_derive_stream_reply',
] as const;
export type ResponseKey = (typeof RESPONSE_KEYS)[number];

// §1.3: untagged byte strings, no records, minimal map heads.
const codec = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true, variableMapSize: true });

const PIGEONHOLE_ENCRYPT = ['query_id', 'message_ciphertext', 'envelope_descriptor', 'envelope_hash', 'next_message_box_index', 'error_code'];
const QUERY_ONLY = ['query_id', 'error_code'];
/**
 * The fields of each reply struct that Go encodes even when nil (no omitempty), so an error
 * reply still carries them as null (§1.3). omitempty fields (the copy reply's diagnostics) are
 * not listed: they are absent when zero.
 */
const REPLY_FIELDS: Partial<Record<ResponseKey, readonly string[]>> = {
  new_keypair_reply: ['query_id', 'write_cap', 'read_cap', 'first_message_index', 'error_code'],
  encrypt_read_reply: PIGEONHOLE_ENCRYPT,
  encrypt_write_reply: PIGEONHOLE_ENCRYPT,
  start_resending_encrypted_message_reply: ['query_id', 'plaintext', 'courier_identity_hash', 'courier_queue_id', 'error_code'],
  cancel_resending_encrypted_message_reply: QUERY_ONLY,
  next_message_box_index_reply: ['query_id', 'next_message_box_index', 'error_code'],
  start_resending_copy_command_reply: QUERY_ONLY,
  cancel_resending_copy_command_reply: QUERY_ONLY,
  create_courier_envelopes_from_payload_reply: ['query_id', 'envelopes', 'next_dest_index', 'error_code'],
  create_courier_envelopes_from_multi_payload_reply: ['query_id', 'envelopes', 'buffer', 'next_dest_indices', 'error_code'],
  create_courier_envelopes_from_tombstone_range_reply: ['query_id', 'envelopes', 'buffer', 'next_dest_index', 'error_code'],
  get_message_box_index_counter_reply: ['query_id', 'counter', 'error_code'],
  get_pki_document_reply: ['query_id', 'payload', 'epoch', 'error_code'],
  get_directory_authorities_reply: ['query_id', 'authorities', 'error_code'],
  voucher_mint_reply: ['query_id', 'voucher', 'voucher_payload', 'voucher_write_cap', 'voucher_read_cap', 'voucher_secret_key', 'voucher_public_key', 'error_code'],
  voucher_induct_reply: ['query_id', 'display_name', 'mutated_message_read_cap', 'sealed_reply', 'voucher_write_cap', 'voucher_read_cap', 'salt', 'error_code'],
  voucher_open_reply: ['query_id', 'who_reply', 'salt', 'mutated_message_write_cap', 'error_code'],
  voucher_derive_stream_reply: ['query_id', 'voucher_write_cap', 'voucher_read_cap', 'error_code'],
};

/** Go zero values for the non-pointer fields of reply structs. */
const ZERO: Readonly<Record<string, unknown>> = { error_code: 0, counter: 0, epoch: 0, display_name: '' };

export function encodeFrame(key: ResponseKey, body: Record<string, unknown>): Uint8Array {
  const full: Record<string, unknown> = {};
  for (const f of REPLY_FIELDS[key] ?? []) full[f] = body[f] ?? ZERO[f] ?? null;
  Object.assign(full, body);
  const map: Record<string, unknown> = {};
  for (const k of RESPONSE_KEYS) map[k] = k === key ? full : null;
  const cbor = codec.encode(map);
  const out = new Uint8Array(4 + cbor.length);
  new DataView(out.buffer).setUint32(0, cbor.length);
  out.set(cbor, 4);
  return out;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: 'frame_too_large' | 'cbor_malformed' | 'not_a_request',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a byte stream into frames; throws FrameError as soon as a header announces more than the
 * cap. Chunks are joined only once a whole frame is there, so a big frame costs one copy.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame's payload, or undefined if more bytes are needed. */
  next(): Uint8Array | undefined {
    if (this.buffered < 4) return undefined;
    if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
    const head = this.chunks[0]!;
    const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
    if (n > MAX_FRAME_BYTES) throw new FrameError('frame_too_large', `frame of ${n} bytes exceeds ${MAX_FRAME_BYTES}`);
    if (this.buffered < 4 + n) return undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const payload = all.slice(4, 4 + n);
    const rest = all.subarray(4 + n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return payload;
  }
}

/** Decodes a request frame into its one non-null key and body (§1.3: unknown keys ignored). */
export function decodeRequest(payload: Uint8Array): { type: string; body: Record<string, unknown> } | undefined {
  let value: unknown;
  try {
    value = codec.decode(payload);
  } catch (e) {
    throw new FrameError('cbor_malformed', `request is not one CBOR item: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new FrameError('not_a_request', 'request is not a CBOR map');
  }
  for (const [type, body] of Object.entries(value as Record<string, unknown>)) {
    if (body === null || body === undefined) continue;
    if (typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
      throw new FrameError('not_a_request', `request ${JSON.stringify(type)} is not a map`);
    }
    return { type, body: body as Record<string, unknown> };
  }
  // §1.7: an empty request variant is dropped silently.
  return undefined;
}
