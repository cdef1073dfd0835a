// TypeScript shapes of the wire messages (thin-client spec §1.5, §2), with the wire's own key
// names: snake_case for thin-protocol structs, PascalCase for the untagged Go structs (the two
// geometries). Requests are what a client must send; replies are what a decoder returns after
// checking the frame (payload fields are null when error_code is not 0).

export type Bytes = Uint8Array;

// ---- requests (§2.1) ----
export interface SessionTokenRequest { client_instance_token: Bytes }
export type ThinCloseRequest = Record<string, never>;
export interface NewKeypairRequest { query_id: Bytes; seed: Bytes }
export interface EncryptReadRequest { query_id: Bytes; read_cap: Bytes; message_box_index: Bytes }
export interface EncryptWriteRequest { query_id: Bytes; plaintext: Bytes; write_cap: Bytes; message_box_index: Bytes }
export interface StartResendingEncryptedMessageRequest {
  query_id: Bytes;
  /** Exactly one of read_cap / write_cap (§2.4). */
  read_cap: Bytes | null;
  write_cap: Bytes | null;
  /** Required for reads: the MBI given to encrypt_read. */
  message_box_index: Bytes | null;
  /** Ignored by the daemon; send null. */
  reply_index?: number | null;
  envelope_descriptor: Bytes;
  message_ciphertext: Bytes;
  envelope_hash: Bytes;
  no_retry_on_box_id_not_found?: boolean;
  no_idempotent_box_already_exists?: boolean;
}
export interface CancelResendingEncryptedMessageRequest { query_id: Bytes; envelope_hash: Bytes }
export interface StartResendingCopyCommandRequest {
  query_id: Bytes;
  write_cap: Bytes;
  /** Both or neither (§2.6). */
  courier_identity_hash?: Bytes | null;
  courier_queue_id?: Bytes | null;
}
export interface CancelResendingCopyCommandRequest { query_id: Bytes; write_cap_hash: Bytes }
export interface NextMessageBoxIndexRequest { query_id: Bytes; message_box_index: Bytes }
export interface GetMessageBoxIndexCounterRequest { query_id: Bytes; message_box_index: Bytes }
export interface CreateCourierEnvelopesFromPayloadRequest {
  query_id: Bytes; payload: Bytes; dest_write_cap: Bytes; dest_start_index: Bytes; is_start: boolean; is_last: boolean;
}
export interface CourierDestination { payload: Bytes; write_cap: Bytes; start_index: Bytes }
export interface CreateCourierEnvelopesFromMultiPayloadRequest {
  query_id: Bytes; destinations: CourierDestination[]; is_start: boolean; is_last: boolean; buffer: Bytes | null;
}
export interface CreateCourierEnvelopesFromTombstoneRangeRequest {
  query_id: Bytes; dest_write_cap: Bytes; dest_start_index: Bytes; max_count: number; is_start: boolean; is_last: boolean;
  buffer: Bytes | null;
}
export interface GetPkiDocumentRequest { query_id: Bytes; epoch: bigint }
export interface GetDirectoryAuthoritiesRequest { query_id: Bytes }
export interface VoucherMintRequest { query_id: Bytes; message_write_cap: Bytes; display_name: string }
export interface VoucherInductRequest { query_id: Bytes; voucher: Bytes; voucher_payload: Bytes; who_reply: Bytes }
export interface VoucherOpenRequest { query_id: Bytes; voucher_secret_key: Bytes; sealed_reply: Bytes; message_write_cap: Bytes }
export interface VoucherDeriveStreamRequest { query_id: Bytes; voucher: Bytes }
/** Legacy (§2.9). */
export interface SendMessageRequest {
  id: Bytes | null; with_surb: boolean; surbid: Bytes | null; destination_id_hash: Bytes; recipient_queue_id: Bytes; payload: Bytes;
}

export interface RequestMap {
  session_token: SessionTokenRequest;
  thin_close: ThinCloseRequest;
  new_keypair: NewKeypairRequest;
  encrypt_read: EncryptReadRequest;
  encrypt_write: EncryptWriteRequest;
  start_resending_encrypted_message: StartResendingEncryptedMessageRequest;
  cancel_resending_encrypted_message: CancelResendingEncryptedMessageRequest;
  start_resending_copy_command: StartResendingCopyCommandRequest;
  cancel_resending_copy_command: CancelResendingCopyCommandRequest;
  next_message_box_index: NextMessageBoxIndexRequest;
  get_message_box_index_counter: GetMessageBoxIndexCounterRequest;
  create_courier_envelopes_from_payload: CreateCourierEnvelopesFromPayloadRequest;
  create_courier_envelopes_from_multi_payload: CreateCourierEnvelopesFromMultiPayloadRequest;
  create_courier_envelopes_from_tombstone_range: CreateCourierEnvelopesFromTombstoneRangeRequest;
  get_pki_document: GetPkiDocumentRequest;
  get_directory_authorities: GetDirectoryAuthoritiesRequest;
  voucher_mint: VoucherMintRequest;
  voucher_induct: VoucherInductRequest;
  voucher_open: VoucherOpenRequest;
  voucher_derive_stream: VoucherDeriveStreamRequest;
  send_message: SendMessageRequest;
}

/** A request as a daemon decodes it: every field may be missing (the daemon answers 3). */
export type Loose<T> = { [K in keyof T]?: T[K] | null };

// ---- geometries and events (§1.5) ----
export interface SphinxGeometry {
  PacketLength: number; NrHops: number; HeaderLength: number; RoutingInfoLength: number;
  PerHopRoutingInfoLength: number; SURBLength: number; SphinxPlaintextHeaderLength: number;
  PayloadTagLength: number; ForwardPayloadLength: number; UserForwardPayloadLength: number;
  NextNodeHopLength: number; SPRPKeyMaterialLength: number; NIKEName: string; KEMName: string;
}
export interface PigeonholeGeometry {
  MaxPlaintextPayloadLength: number; CourierQueryReadLength: number; CourierQueryWriteLength: number;
  CourierQueryReplyReadLength: number; CourierQueryReplyWriteLength: number; NIKEName: string; SignatureSchemeName: string;
}
export interface ConnectionStatusEvent {
  /** Daemon ↔ mixnet gateway, not the local socket. */
  is_connected: boolean;
  err: unknown;
  instance_token: Bytes;
  sphinx_geometry: SphinxGeometry;
  pigeonhole_geometry: PigeonholeGeometry;
}
export interface NewPkiDocumentEvent { payload: Bytes | null }
export type ShutdownEvent = Record<string, never>;
export interface SessionTokenReply { app_id: Bytes; resumed: boolean }
export interface MessageSentEvent { message_id: Bytes | null; surbid: Bytes | null; sent_at: unknown; reply_eta: unknown; err: unknown }
export interface MessageReplyEvent { message_id: Bytes | null; surbid: Bytes | null; payload: Bytes | null; reply_index: number; error_code: number }
export interface MessageIdGarbageCollected { message_id: Bytes | null }

// ---- replies (§2) ----
interface Reply { query_id: Bytes; error_code: number }
export interface NewKeypairReply extends Reply { write_cap: Bytes | null; read_cap: Bytes | null; first_message_index: Bytes | null }
export interface EncryptReply extends Reply {
  message_ciphertext: Bytes | null; envelope_descriptor: Bytes | null; envelope_hash: Bytes | null; next_message_box_index: Bytes | null;
}
export interface StartResendingEncryptedMessageReply extends Reply {
  plaintext: Bytes | null; courier_identity_hash: Bytes | null; courier_queue_id: Bytes | null;
}
export type CancelReply = Reply;
export interface NextMessageBoxIndexReply extends Reply { next_message_box_index: Bytes | null }
export interface StartResendingCopyCommandReply extends Reply { replica_error_code: number; failed_envelope_index: number }
export interface CreateCourierEnvelopesFromPayloadReply extends Reply { envelopes: Bytes[] | null; next_dest_index: Bytes | null }
export interface CreateCourierEnvelopesFromMultiPayloadReply extends Reply {
  envelopes: Bytes[] | null; buffer: Bytes | null; next_dest_indices: Bytes[] | null;
}
export interface CreateCourierEnvelopesFromTombstoneRangeReply extends Reply {
  envelopes: Bytes[] | null; buffer: Bytes | null; next_dest_index: Bytes | null;
}
export interface GetMessageBoxIndexCounterReply extends Reply { counter: bigint }
export interface GetPkiDocumentReply extends Reply { payload: Bytes | null; epoch: bigint }
export interface DirectoryAuthority {
  identifier: string | null; pki_signature_scheme: string | null; wire_kem_scheme: string | null; addresses: string[] | null;
  identity_public_key_pem: string | null; link_public_key_pem: string | null; identity_key_hash: Bytes | null;
}
export interface GetDirectoryAuthoritiesReply extends Reply { authorities: DirectoryAuthority[] | null }
export interface VoucherMintReply extends Reply {
  voucher: Bytes | null; voucher_payload: Bytes | null; voucher_write_cap: Bytes | null; voucher_read_cap: Bytes | null;
  voucher_secret_key: Bytes | null; voucher_public_key: Bytes | null;
}
export interface VoucherInductReply extends Reply {
  display_name: string; mutated_message_read_cap: Bytes | null; sealed_reply: Bytes | null;
  voucher_write_cap: Bytes | null; voucher_read_cap: Bytes | null; salt: Bytes | null;
}
export interface VoucherOpenReply extends Reply { who_reply: Bytes | null; salt: Bytes | null; mutated_message_write_cap: Bytes | null }
export interface VoucherDeriveStreamReply extends Reply { voucher_write_cap: Bytes | null; voucher_read_cap: Bytes | null }

export interface ResponseMap {
  session_token_reply: SessionTokenReply;
  shutdown_event: ShutdownEvent;
  connection_status_event: ConnectionStatusEvent;
  new_pki_document_event: NewPkiDocumentEvent;
  message_sent_event: MessageSentEvent;
  message_reply_event: MessageReplyEvent;
  message_id_garbage_collected: MessageIdGarbageCollected;
  new_keypair_reply: NewKeypairReply;
  encrypt_read_reply: EncryptReply;
  encrypt_write_reply: EncryptReply;
  start_resending_encrypted_message_reply: StartResendingEncryptedMessageReply;
  cancel_resending_encrypted_message_reply: CancelReply;
  next_message_box_index_reply: NextMessageBoxIndexReply;
  start_resending_copy_command_reply: StartResendingCopyCommandReply;
  cancel_resending_copy_command_reply: CancelReply;
  create_courier_envelopes_from_payload_reply: CreateCourierEnvelopesFromPayloadReply;
  create_courier_envelopes_from_multi_payload_reply: CreateCourierEnvelopesFromMultiPayloadReply;
  create_courier_envelopes_from_tombstone_range_reply: CreateCourierEnvelopesFromTombstoneRangeReply;
  get_message_box_index_counter_reply: GetMessageBoxIndexCounterReply;
  get_pki_document_reply: GetPkiDocumentReply;
  get_directory_authorities_reply: GetDirectoryAuthoritiesReply;
  voucher_mint_reply: VoucherMintReply;
  voucher_induct_reply: VoucherInductReply;
  voucher_open_reply: VoucherOpenReply;
  voucher_derive_stream_reply: VoucherDeriveStreamReply;
}
