// Sizes and limits of the thin-client protocol (thin-client spec §1, §2). Shared by the client
// and anything that plays the daemon, so both sides check the same numbers.

/** §1.2: thin.MaxMessageSize, checked on both sides. */
export const MAX_FRAME_BYTES = 40 * 1024 * 1024;
/** §1.2: the 4-byte big-endian length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** §1.7: capacity of the daemon's per-connection queue of mixnet requests. A 17th unsent
 *  request blocks the daemon's reader (and every later request, cancels included). */
export const DAEMON_QUEUE_LIMIT = 16;

/** §2: byte lengths of the opaque blobs. */
export const QUERY_ID_BYTES = 16;
export const INSTANCE_TOKEN_BYTES = 16;
export const APP_ID_BYTES = 16;
export const SEED_BYTES = 32;
export const HASH_BYTES = 32;
export const WRITE_CAP_BYTES = 168;
export const READ_CAP_BYTES = 136;
export const MESSAGE_BOX_INDEX_BYTES = 104;

/** §2.7: the largest payload a create_courier_envelopes_* call accepts per destination. */
export const MAX_COPY_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** §3.2: MaxPlaintextPayloadLength for UserForwardPayloadLength 2000 (only a default; always
 *  prefer the value from connection_status_event). */
export const DEFAULT_MAX_PLAINTEXT_PAYLOAD_BYTES = 1549;

/** §1.6: the daemon's default session grace period (docker testnet: 30 s). */
export const DEFAULT_SESSION_GRACE_MS = 10 * 60 * 1000;
/** §1.6: the official clients' reconnect backoff: 1 s doubling, capped at 60 s. */
export const RECONNECT_INITIAL_MS = 1000;
export const RECONNECT_MAX_MS = 60_000;

/** §1.3: the daemon's Response struct, in Go field order; every response carries all 25. */
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

/** §2.1: request keys. */
export const REQUEST_KEYS = [
  'session_token',
  'thin_close',
  'new_keypair',
  'encrypt_read',
  'encrypt_write',
  'start_resending_encrypted_message',
  'cancel_resending_encrypted_message',
  'start_resending_copy_command',
  'cancel_resending_copy_command',
  'next_message_box_index',
  'get_message_box_index_counter',
  'create_courier_envelopes_from_payload',
  'create_courier_envelopes_from_multi_payload',
  'create_courier_envelopes_from_tombstone_range',
  'get_pki_document',
  'get_directory_authorities',
  'voucher_mint',
  'voucher_induct',
  'voucher_open',
  'voucher_derive_stream',
  'send_message',
] as const;
export type RequestKey = (typeof REQUEST_KEYS)[number];

/** §1.7: requests that go into the daemon's mixnet queue (capacity DAEMON_QUEUE_LIMIT). */
export const MIXNET_REQUEST_KEYS: ReadonlySet<RequestKey> = new Set<RequestKey>([
  'start_resending_encrypted_message',
  'start_resending_copy_command',
  'send_message',
]);

/** Request key → reply key (§2.1); thin_close and send_message have no direct reply. */
export const REPLY_KEY_OF = {
  session_token: 'session_token_reply',
  new_keypair: 'new_keypair_reply',
  encrypt_read: 'encrypt_read_reply',
  encrypt_write: 'encrypt_write_reply',
  start_resending_encrypted_message: 'start_resending_encrypted_message_reply',
  cancel_resending_encrypted_message: 'cancel_resending_encrypted_message_reply',
  start_resending_copy_command: 'start_resending_copy_command_reply',
  cancel_resending_copy_command: 'cancel_resending_copy_command_reply',
  next_message_box_index: 'next_message_box_index_reply',
  get_message_box_index_counter: 'get_message_box_index_counter_reply',
  create_courier_envelopes_from_payload: 'create_courier_envelopes_from_payload_reply',
  create_courier_envelopes_from_multi_payload: 'create_courier_envelopes_from_multi_payload_reply',
  create_courier_envelopes_from_tombstone_range: 'create_courier_envelopes_from_tombstone_range_reply',
  get_pki_document: 'get_pki_document_reply',
  get_directory_authorities: 'get_directory_authorities_reply',
  voucher_mint: 'voucher_mint_reply',
  voucher_induct: 'voucher_induct_reply',
  voucher_open: 'voucher_open_reply',
  voucher_derive_stream: 'voucher_derive_stream_reply',
} as const satisfies Partial<Record<RequestKey, ResponseKey>>;
export type QueryRequestKey = Exclude<keyof typeof REPLY_KEY_OF, 'session_token'>;
