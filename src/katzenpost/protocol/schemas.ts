// Field-by-field shapes of every request, reply and event (thin-client spec §1.5, §2). Request
// fields are all nullable here because the daemon answers a missing field with error 3 rather
// than closing the connection; a present field of the wrong type or cap length is a framing
// error (§1.2: caps go through UnmarshalBinary). Reply payload fields are 'ok': null on error,
// required on success.
import {
  APP_ID_BYTES, HASH_BYTES, INSTANCE_TOKEN_BYTES, MESSAGE_BOX_INDEX_BYTES,
  QUERY_ID_BYTES, READ_CAP_BYTES, type RequestKey, type ResponseKey, WRITE_CAP_BYTES,
} from './constants.js';
import { k, nul, ok, omit, req, type Schema, zero } from './schema.js';

const QID = k.bytes(QUERY_ID_BYTES);
const WC = k.bytes(WRITE_CAP_BYTES);
const RC = k.bytes(READ_CAP_BYTES);
const MBI = k.bytes(MESSAGE_BOX_INDEX_BYTES);
const H32 = k.bytes(HASH_BYTES);
const B = k.bytes();

/** §1.5: exactly these keys (the Python client rejects others). */
export const SPHINX_GEOMETRY_SCHEMA: Schema = {
  PacketLength: req(k.u32), NrHops: req(k.u32), HeaderLength: req(k.u32), RoutingInfoLength: req(k.u32),
  PerHopRoutingInfoLength: req(k.u32), SURBLength: req(k.u32), SphinxPlaintextHeaderLength: req(k.u32),
  PayloadTagLength: req(k.u32), ForwardPayloadLength: req(k.u32), UserForwardPayloadLength: req(k.u32),
  NextNodeHopLength: req(k.u32), SPRPKeyMaterialLength: req(k.u32), NIKEName: req(k.text), KEMName: req(k.text),
};

export const PIGEONHOLE_GEOMETRY_SCHEMA: Schema = {
  MaxPlaintextPayloadLength: req(k.u32), CourierQueryReadLength: req(k.u32), CourierQueryWriteLength: req(k.u32),
  CourierQueryReplyReadLength: req(k.u32), CourierQueryReplyWriteLength: req(k.u32), NIKEName: req(k.text),
  SignatureSchemeName: req(k.text),
};

// §2.7: an oversized payload decodes and is answered with 3 (InvalidRequest); only the frame limit
// closes a connection, so the size is checked by the daemon's handler, not here.
const DESTINATION: Schema = { payload: nul(B), write_cap: nul(WC), start_index: nul(MBI) };

export const REQUEST_SCHEMAS: Readonly<Record<RequestKey, Schema>> = {
  session_token: { client_instance_token: nul(k.bytes(INSTANCE_TOKEN_BYTES)) },
  thin_close: {},
  new_keypair: { query_id: nul(QID), seed: nul(B) },
  encrypt_read: { query_id: nul(QID), read_cap: nul(RC), message_box_index: nul(MBI) },
  encrypt_write: { query_id: nul(QID), plaintext: nul(B), write_cap: nul(WC), message_box_index: nul(MBI) },
  start_resending_encrypted_message: {
    query_id: nul(QID), read_cap: nul(RC), write_cap: nul(WC), message_box_index: nul(B), reply_index: nul(k.u8),
    envelope_descriptor: nul(B), message_ciphertext: nul(B), envelope_hash: nul(H32),
    no_retry_on_box_id_not_found: omit(k.bool, false), no_idempotent_box_already_exists: omit(k.bool, false),
  },
  cancel_resending_encrypted_message: { query_id: nul(QID), envelope_hash: nul(H32) },
  start_resending_copy_command: {
    query_id: nul(QID), write_cap: nul(WC), courier_identity_hash: omit(H32, null), courier_queue_id: omit(B, null),
  },
  cancel_resending_copy_command: { query_id: nul(QID), write_cap_hash: nul(H32) },
  next_message_box_index: { query_id: nul(QID), message_box_index: nul(MBI) },
  get_message_box_index_counter: { query_id: nul(QID), message_box_index: nul(MBI) },
  create_courier_envelopes_from_payload: {
    query_id: nul(QID), payload: nul(B), dest_write_cap: nul(WC),
    dest_start_index: nul(MBI), is_start: zero(k.bool, false), is_last: zero(k.bool, false),
  },
  create_courier_envelopes_from_multi_payload: {
    query_id: nul(QID), destinations: nul(k.list(k.map(DESTINATION))), is_start: zero(k.bool, false),
    is_last: zero(k.bool, false), buffer: nul(B),
  },
  create_courier_envelopes_from_tombstone_range: {
    query_id: nul(QID), dest_write_cap: nul(WC), dest_start_index: nul(MBI), max_count: zero(k.u32, 0),
    is_start: zero(k.bool, false), is_last: zero(k.bool, false), buffer: nul(B),
  },
  get_pki_document: { query_id: nul(QID), epoch: zero(k.u64, 0n) },
  get_directory_authorities: { query_id: nul(QID) },
  voucher_mint: { query_id: nul(QID), message_write_cap: nul(WC), display_name: zero(k.text, '') },
  voucher_induct: { query_id: nul(QID), voucher: nul(B), voucher_payload: nul(B), who_reply: nul(B) },
  voucher_open: { query_id: nul(QID), voucher_secret_key: nul(B), sealed_reply: nul(B), message_write_cap: nul(WC) },
  voucher_derive_stream: { query_id: nul(QID), voucher: nul(B) },
  send_message: {
    id: nul(k.bytes(16)), with_surb: zero(k.bool, false), surbid: nul(k.bytes(16)), destination_id_hash: nul(H32),
    recipient_queue_id: nul(B), payload: nul(B),
  },
};

const EC = req(k.u8);
const ENCRYPTED = {
  query_id: req(QID), message_ciphertext: ok(B), envelope_descriptor: ok(B), envelope_hash: ok(H32),
  next_message_box_index: ok(MBI), error_code: EC,
};
const QUERY_ONLY = { query_id: req(QID), error_code: EC };

const AUTHORITY: Schema = {
  identifier: nul(k.text), pki_signature_scheme: nul(k.text), wire_kem_scheme: nul(k.text),
  addresses: nul(k.list(k.text)), identity_public_key_pem: nul(k.text), link_public_key_pem: nul(k.text),
  identity_key_hash: nul(B),
};

export const RESPONSE_SCHEMAS: Readonly<Record<ResponseKey, Schema>> = {
  session_token_reply: { app_id: req(k.bytes(APP_ID_BYTES)), resumed: req(k.bool) },
  shutdown_event: {},
  connection_status_event: {
    is_connected: req(k.bool), err: nul(k.any), instance_token: req(k.bytes(INSTANCE_TOKEN_BYTES)),
    sphinx_geometry: req(k.map(SPHINX_GEOMETRY_SCHEMA)), pigeonhole_geometry: req(k.map(PIGEONHOLE_GEOMETRY_SCHEMA)),
  },
  new_pki_document_event: { payload: nul(B) },
  message_sent_event: {
    message_id: nul(k.bytes(16)), surbid: nul(k.bytes(16)), sent_at: nul(k.any), reply_eta: nul(k.any), err: omit(k.any, null),
  },
  message_reply_event: {
    message_id: nul(k.bytes(16)), surbid: nul(k.bytes(16)), payload: nul(B), reply_index: omit(k.u8, 0), error_code: EC,
  },
  message_id_garbage_collected: { message_id: nul(k.bytes(16)) },
  new_keypair_reply: { query_id: req(QID), write_cap: ok(WC), read_cap: ok(RC), first_message_index: ok(MBI), error_code: EC },
  encrypt_read_reply: ENCRYPTED,
  encrypt_write_reply: ENCRYPTED,
  start_resending_encrypted_message_reply: {
    query_id: req(QID), plaintext: nul(B), courier_identity_hash: nul(H32), courier_queue_id: nul(B), error_code: EC,
  },
  cancel_resending_encrypted_message_reply: QUERY_ONLY,
  next_message_box_index_reply: { query_id: req(QID), next_message_box_index: ok(MBI), error_code: EC },
  start_resending_copy_command_reply: {
    query_id: req(QID), error_code: EC, replica_error_code: omit(k.u8, 0), failed_envelope_index: omit(k.u53, 0),
  },
  cancel_resending_copy_command_reply: QUERY_ONLY,
  create_courier_envelopes_from_payload_reply: {
    query_id: req(QID), envelopes: ok(k.list(B)), next_dest_index: ok(MBI), error_code: EC,
  },
  create_courier_envelopes_from_multi_payload_reply: {
    query_id: req(QID), envelopes: ok(k.list(B)), buffer: nul(B), next_dest_indices: ok(k.list(MBI)), error_code: EC,
  },
  create_courier_envelopes_from_tombstone_range_reply: {
    query_id: req(QID), envelopes: ok(k.list(B)), buffer: nul(B), next_dest_index: ok(MBI), error_code: EC,
  },
  get_message_box_index_counter_reply: { query_id: req(QID), counter: zero(k.u64, 0n), error_code: EC },
  get_pki_document_reply: { query_id: req(QID), payload: ok(B), epoch: zero(k.u64, 0n), error_code: EC },
  get_directory_authorities_reply: { query_id: req(QID), authorities: ok(k.list(k.map(AUTHORITY))), error_code: EC },
  voucher_mint_reply: {
    query_id: req(QID), voucher: ok(B), voucher_payload: ok(B), voucher_write_cap: ok(WC), voucher_read_cap: ok(RC),
    voucher_secret_key: ok(B), voucher_public_key: ok(B), error_code: EC,
  },
  voucher_induct_reply: {
    query_id: req(QID), display_name: zero(k.text, ''), mutated_message_read_cap: ok(RC), sealed_reply: ok(B),
    voucher_write_cap: ok(WC), voucher_read_cap: ok(RC), salt: ok(B), error_code: EC,
  },
  voucher_open_reply: { query_id: req(QID), who_reply: ok(B), salt: ok(B), mutated_message_write_cap: ok(WC), error_code: EC },
  voucher_derive_stream_reply: { query_id: req(QID), voucher_write_cap: ok(WC), voucher_read_cap: ok(RC), error_code: EC },
};
