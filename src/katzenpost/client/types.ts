// The client's camelCase view of replies (thin-client spec §2) and its events.
import type { PigeonholeGeometry, PkiDocument, ProtocolError, ResponseKey, SphinxGeometry } from '../protocol/index.js';

export interface NewKeypair {
  readonly writeCap: Uint8Array;
  readonly readCap: Uint8Array;
  readonly firstMessageIndex: Uint8Array;
}

/** encrypt_write / encrypt_read (§2.3). Store all three blobs together before sending. */
export interface EncryptedMessage {
  readonly messageCiphertext: Uint8Array;
  readonly envelopeDescriptor: Uint8Array;
  readonly envelopeHash: Uint8Array;
  readonly nextMessageBoxIndex: Uint8Array;
}

export interface ResendResult {
  /** Read: the bytes written. Write: null. */
  readonly plaintext: Uint8Array | null;
  readonly courierIdentityHash: Uint8Array | null;
  readonly courierQueueId: Uint8Array | null;
}

export interface CallOptions {
  /** Aborting rejects with ThinClientError('aborted') and, for a request already sent to the
   *  mixnet, cancels it in the daemon. */
  readonly signal?: AbortSignal;
}

export interface SendOptions extends CallOptions {
  /** Reads: return BoxIDNotFound (DaemonError 'box_not_found') instead of long-polling. */
  readonly noRetryOnBoxIdNotFound?: boolean;
  /** Writes: wait for the replica's verdict; a conflict rejects with 'box_already_exists'. */
  readonly noIdempotentBoxAlreadyExists?: boolean;
}

export interface CopyOptions extends CallOptions {
  /** Pin a courier; both or neither (§2.6). */
  readonly courier?: { readonly identityHash: Uint8Array; readonly queueId: Uint8Array };
}

export interface CourierEnvelopes {
  readonly envelopes: readonly Uint8Array[];
  /** Residue for the next chained call (multi-payload, tombstone range); null when flushed. */
  readonly buffer: Uint8Array | null;
}

export interface Destination {
  readonly payload: Uint8Array;
  readonly writeCap: Uint8Array;
  readonly startIndex: Uint8Array;
}

export interface Voucher {
  readonly voucher: Uint8Array;
  readonly voucherPayload: Uint8Array;
  readonly voucherWriteCap: Uint8Array;
  readonly voucherReadCap: Uint8Array;
  readonly voucherSecretKey: Uint8Array;
  readonly voucherPublicKey: Uint8Array;
}

export interface InductedVoucher {
  readonly displayName: string;
  readonly mutatedMessageReadCap: Uint8Array;
  readonly sealedReply: Uint8Array;
  readonly voucherWriteCap: Uint8Array;
  readonly voucherReadCap: Uint8Array;
  readonly salt: Uint8Array;
}

export interface OpenedVoucher {
  readonly whoReply: Uint8Array;
  readonly salt: Uint8Array;
  readonly mutatedMessageWriteCap: Uint8Array;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface DaemonStatus {
  /** Daemon ↔ mixnet gateway (§1.5), not our socket. */
  readonly isConnected: boolean;
  readonly sphinxGeometry: SphinxGeometry;
  readonly pigeonholeGeometry: PigeonholeGeometry;
}

export interface SessionInfo {
  readonly appId: Uint8Array;
  readonly resumed: boolean;
  /** In-flight mixnet requests were replayed (daemon restarted or session expired). */
  readonly replayed: boolean;
}

export interface ThinClientEvents {
  state: [ConnectionState];
  status: [DaemonStatus];
  pkiDocument: [PkiDocument | null];
  session: [SessionInfo];
  /** Locally raised on every lost connection (§1.6 DaemonDisconnectedEvent). */
  daemonDisconnected: [{ readonly isGraceful: boolean; readonly error: Error | undefined }];
  /** The daemon sent something malformed; the connection is dropped and re-established. */
  protocolError: [ProtocolError];
  /** A reply for a query id nobody waits for (e.g. after an abort). */
  unmatchedReply: [ResponseKey];
}
