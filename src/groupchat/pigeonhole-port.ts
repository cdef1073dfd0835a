/**
 * What the group chat engine needs from the daemon (thin-client spec §2), as one small interface
 * (STYLE.md: inject interfaces). client-port.ts implements it over src/katzenpost/client; unit
 * tests use an in-memory fake. All byte values are opaque: caps (WC 168, RC 136), indices (104).
 *
 * Every method here but readBox/writeBox is local in the daemon (thin-client §1.7) and cheap.
 * readBox/writeBox are mixnet requests and count against the per-connection budget of 16 unsent
 * requests; only the read scheduler and the sender call them, and both go through a RequestBudget.
 */

export interface NewStream {
  readonly writeCap: Uint8Array;
  readonly readCap: Uint8Array;
  readonly firstIndex: Uint8Array;
}

/** How a read ended (thin-client §3.4). */
export type ReadOutcome =
  /** The box holds data: exactly the bytes written. */
  | { readonly kind: 'box'; readonly plaintext: Uint8Array; readonly nextIndex: Uint8Array }
  /** A tombstone (replica code 11): nothing to show, move on. */
  | { readonly kind: 'tombstone'; readonly nextIndex: Uint8Array }
  /** A fail-fast read found nothing yet (replica code 1). */
  | { readonly kind: 'not_found' }
  /** We cancelled it (thin code 24). */
  | { readonly kind: 'cancelled' }
  /** Anything else; retry the same index later (katzenqt backs off 5 s, wire §1.13). */
  | { readonly kind: 'error'; readonly code: number; readonly detail: string };

export interface ReadOptions {
  /** true: long-poll until the box appears (daemon retries BoxIDNotFound with no limit).
   *  false: `no_retry_on_box_id_not_found`, return 'not_found' after the first answer. */
  readonly blocking: boolean;
  /** Aborting cancels the request in the daemon (cancel_resending_encrypted_message) and the
   *  read resolves 'cancelled'. */
  readonly signal?: AbortSignal;
}

export interface WriteOptions {
  /** `no_idempotent_box_already_exists` (thin-client §3.3): wait for the replicas' verdict, so a
   *  box that already holds different data rejects with kind 'box_already_exists' instead of
   *  reporting success on the courier's ACK and being silently dropped. Costs a round trip. */
  readonly strict?: boolean;
}

export interface MintedVoucher {
  readonly voucher: Uint8Array;
  readonly voucherPayload: Uint8Array;
  readonly voucherWriteCap: Uint8Array;
  readonly voucherReadCap: Uint8Array;
  readonly voucherSecretKey: Uint8Array;
}

export interface InductedVoucher {
  readonly displayName: string;
  readonly mutatedReadCap: Uint8Array;
  readonly sealedReply: Uint8Array;
  readonly voucherWriteCap: Uint8Array;
}

export interface OpenedVoucher {
  /** The inductor's please_add_list (WhoReply) CBOR. */
  readonly whoReply: Uint8Array;
  readonly mutatedWriteCap: Uint8Array;
}

export interface PigeonholePort {
  /** MaxPlaintextPayloadLength from the daemon's geometry (thin-client §3.2). */
  maxPlaintextBytes(): number;
  /** new_keypair with 32 fresh random bytes (wire §1.2). */
  newStream(): Promise<NewStream>;
  /** The index after `index` (local; next_message_box_index). */
  nextIndex(index: Uint8Array): Promise<Uint8Array>;
  /** encrypt_write + start_resending. An identical rewrite is success either way. Resolves with
   *  the next index; rejects with PigeonholeError. */
  writeBox(writeCap: Uint8Array, index: Uint8Array, plaintext: Uint8Array, options?: WriteOptions): Promise<{ nextIndex: Uint8Array }>;
  /** encrypt_read + start_resending. Never rejects for daemon-side outcomes; see ReadOutcome. */
  readBox(readCap: Uint8Array, index: Uint8Array, options: ReadOptions): Promise<ReadOutcome>;
  voucherMint(writeCap: Uint8Array, displayName: string): Promise<MintedVoucher>;
  voucherDeriveStream(voucher: Uint8Array): Promise<{ voucherWriteCap: Uint8Array; voucherReadCap: Uint8Array }>;
  voucherInduct(voucher: Uint8Array, voucherPayload: Uint8Array, whoReply: Uint8Array): Promise<InductedVoucher>;
  voucherOpen(voucherSecretKey: Uint8Array, sealedReply: Uint8Array, writeCap: Uint8Array): Promise<OpenedVoucher>;
}

/** A daemon call that failed. `code` is the numeric error code of the reply (thin-client §2.10;
 *  its namespace depends on the reply, so `kind` is what to switch on), -1 when no daemon reply
 *  said why (connection lost, closed, aborted). */
export class PigeonholeError extends Error {
  override readonly name = 'PigeonholeError';
  /** The daemon's verdict by name ('box_already_exists', 'tombstone', 'payload_too_large', …),
   *  from the protocol's code table; 'unknown' when there was no daemon verdict. */
  readonly kind: string;
  /** False when the same request can never succeed (the table's verdict): the box was refused
   *  for good and did not land. True for anything not known to be final. */
  readonly retriable: boolean;
  constructor(
    readonly op: string,
    readonly code: number,
    detail: string,
    options?: { cause?: unknown; kind?: string; retriable?: boolean },
  ) {
    super(`${op}: ${detail} (code ${code})`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options?.kind ?? 'unknown';
    this.retriable = options?.retriable ?? true;
  }
}
