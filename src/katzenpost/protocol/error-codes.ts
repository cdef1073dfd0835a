// The two error-code namespaces of the thin-client protocol (thin-client spec §2.10) and how a
// reply's error_code maps to a typed DaemonError. Which namespace applies depends on the reply
// type: start_resending_encrypted_message_reply passes replica codes 1–11 through and mixes in
// thin codes 3, 4 and ≥12; every other reply uses the thin namespace only.
import type { ResponseKey } from './constants.js';

/** client/thin/thin_messages.go. */
export const ThinErrorCode = {
  Success: 0,
  ConnectionLost: 1,
  Timeout: 2,
  InvalidRequest: 3,
  InternalError: 4,
  MaxRetries: 5,
  InvalidChannel: 6,
  ChannelNotFound: 7,
  PermissionDenied: 8,
  InvalidPayload: 9,
  ServiceUnavailable: 10,
  DuplicateCapability: 11,
  CourierCacheCorruption: 12,
  PropagationError: 13,
  InvalidWriteCapability: 14,
  InvalidReadCapability: 15,
  InvalidResumeWriteChannelRequest: 16,
  InvalidResumeReadChannelRequest: 17,
  ImpossibleHashError: 18,
  ImpossibleNewWriteCapError: 19,
  ImpossibleNewStatefulWriterError: 20,
  CapabilityAlreadyInUse: 21,
  MKEMDecryptionFailed: 22,
  BACAPDecryptionFailed: 23,
  StartResendingCancelled: 24,
  InvalidTombstoneSig: 25,
  CopyCommandFailed: 26,
  PayloadTooLarge: 27,
  VoucherHashMismatch: 28,
  VoucherSignatureInvalid: 29,
  VoucherSealOpenFailed: 30,
  CourierInvalidEnvelope: 31,
  CourierInvalidEpoch: 32,
} as const;

/** pigeonhole/errors.go. */
export const ReplicaErrorCode = {
  Success: 0,
  BoxIDNotFound: 1,
  InvalidBoxID: 2,
  InvalidSignature: 3,
  DatabaseFailure: 4,
  InvalidPayload: 5,
  StorageFull: 6,
  InternalError: 7,
  InvalidEpoch: 8,
  ReplicationFailed: 9,
  BoxAlreadyExists: 10,
  Tombstone: 11,
} as const;

/** Stable, namespace-free names for what went wrong; tests and callers switch on these. */
export type DaemonErrorKind =
  | 'box_not_found' | 'invalid_box_id' | 'invalid_signature' | 'database_failure'
  | 'invalid_payload' | 'storage_full' | 'replica_internal_error' | 'invalid_epoch'
  | 'replication_failed' | 'box_already_exists' | 'tombstone'
  /** 3 or 4 in start_resending_encrypted_message_reply: thin 3/4 or replica 3/4 (§2.10). */
  | 'bad_request_or_replica_fault'
  | 'invalid_request' | 'internal_error' | 'service_unavailable' | 'courier_cache_corruption'
  | 'propagation_error' | 'mkem_decryption_failed' | 'bacap_decryption_failed' | 'cancelled'
  | 'invalid_tombstone_signature' | 'copy_failed' | 'payload_too_large'
  | 'voucher_hash_mismatch' | 'voucher_signature_invalid' | 'voucher_seal_open_failed'
  | 'courier_invalid_envelope' | 'stale_epoch' | 'legacy_code' | 'unknown_code';

interface CodeInfo {
  readonly kind: DaemonErrorKind;
  readonly message: string;
  /** Worth retrying the same operation later (possibly after re-encrypting). */
  readonly retriable: boolean;
}

const REPLICA: Readonly<Record<number, CodeInfo>> = {
  1: { kind: 'box_not_found', message: 'box not found (never written or expired)', retriable: true },
  2: { kind: 'invalid_box_id', message: 'replica rejected the box id', retriable: false },
  3: { kind: 'invalid_signature', message: 'replica rejected the box signature', retriable: false },
  4: { kind: 'database_failure', message: 'replica database failure', retriable: true },
  5: { kind: 'invalid_payload', message: 'replica rejected the payload', retriable: false },
  6: { kind: 'storage_full', message: 'replica storage is full', retriable: true },
  7: { kind: 'replica_internal_error', message: 'replica internal error', retriable: true },
  8: { kind: 'invalid_epoch', message: 'replica rejected the epoch', retriable: true },
  9: { kind: 'replication_failed', message: 'replication failed', retriable: true },
  10: { kind: 'box_already_exists', message: 'box already exists with different contents', retriable: false },
  11: { kind: 'tombstone', message: 'box is tombstoned', retriable: false },
};

const THIN: Readonly<Record<number, CodeInfo>> = {
  1: { kind: 'legacy_code', message: 'connection lost', retriable: true },
  2: { kind: 'legacy_code', message: 'timeout', retriable: true },
  3: { kind: 'invalid_request', message: 'daemon rejected the request as invalid', retriable: false },
  4: { kind: 'internal_error', message: 'daemon internal error (e.g. no PKI document yet)', retriable: true },
  10: { kind: 'service_unavailable', message: 'service unavailable (nothing cached or configured)', retriable: true },
  12: { kind: 'courier_cache_corruption', message: 'courier cache corruption', retriable: true },
  13: { kind: 'propagation_error', message: 'courier could not propagate the envelope', retriable: true },
  22: { kind: 'mkem_decryption_failed', message: 'reply envelope did not decrypt', retriable: true },
  23: { kind: 'bacap_decryption_failed', message: 'box did not decrypt (bad signature, AEAD or wrong index)', retriable: false },
  24: { kind: 'cancelled', message: 'resending was cancelled', retriable: false },
  25: { kind: 'invalid_tombstone_signature', message: 'tombstone signature does not verify', retriable: false },
  26: { kind: 'copy_failed', message: 'copy command failed', retriable: false },
  27: { kind: 'payload_too_large', message: 'payload too large', retriable: false },
  28: { kind: 'voucher_hash_mismatch', message: 'voucher hash mismatch', retriable: false },
  29: { kind: 'voucher_signature_invalid', message: 'voucher signature invalid', retriable: false },
  30: { kind: 'voucher_seal_open_failed', message: 'voucher seal cannot be opened', retriable: false },
  31: { kind: 'courier_invalid_envelope', message: 'courier rejected the envelope', retriable: false },
  32: { kind: 'stale_epoch', message: 'envelope epoch is stale; re-encrypt and send again', retriable: true },
};

const AMBIGUOUS: CodeInfo = {
  kind: 'bad_request_or_replica_fault',
  message: 'bad request or replica fault (ambiguous code; do not retry blindly)',
  retriable: false,
};

/** Replica outcomes that are answers, not failures (§2.10 is_expected_outcome). */
export function isExpectedOutcome(kind: DaemonErrorKind): boolean {
  return kind === 'box_not_found' || kind === 'box_already_exists' || kind === 'tombstone';
}

export type ErrorNamespace = 'thin' | 'replica' | 'ambiguous';

/** Classifies a non-zero error_code of the given reply type. */
export function describeErrorCode(reply: ResponseKey, code: number): CodeInfo & { namespace: ErrorNamespace } {
  if (reply === 'start_resending_encrypted_message_reply' && code >= 1 && code <= 11) {
    if (code === 3 || code === 4) return { ...AMBIGUOUS, namespace: 'ambiguous' };
    return { ...REPLICA[code]!, namespace: 'replica' };
  }
  const thin = THIN[code];
  if (thin) return { ...thin, namespace: 'thin' };
  if (code >= 5 && code <= 21) return { kind: 'legacy_code', message: `legacy thin-client code ${code}`, retriable: false, namespace: 'thin' };
  return { kind: 'unknown_code', message: `unknown error code ${code}`, retriable: false, namespace: 'thin' };
}

/** The replica namespace alone, for the copy reply's replica_error_code. */
export function describeReplicaCode(code: number): CodeInfo | undefined {
  return REPLICA[code];
}

/** A daemon reply with a non-zero error_code. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  readonly code: DaemonErrorKind;
  readonly namespace: ErrorNamespace;
  readonly retriable: boolean;
  /** True for box_not_found / box_already_exists / tombstone. */
  readonly expected: boolean;
  constructor(
    /** The reply type that carried the code. */
    readonly reply: ResponseKey,
    /** The numeric error_code on the wire. */
    readonly errorCode: number,
    /** Copy replies (26): the replica code that aborted the copy (0 = transport failure). */
    readonly replicaErrorCode = 0,
    /** Copy replies (26): 1-based position of the failing envelope in the copy stream. */
    readonly failedEnvelopeIndex = 0,
  ) {
    const info = describeErrorCode(reply, errorCode);
    let detail = info.message;
    if (errorCode === ThinErrorCode.CopyCommandFailed) {
      const r = replicaErrorCode === 0 ? 'transport failure' : (describeReplicaCode(replicaErrorCode)?.message ?? `replica code ${replicaErrorCode}`);
      detail += ` at envelope ${failedEnvelopeIndex}: ${r}`;
    }
    super(`${reply.replace(/_reply$/, '')}: ${detail} (code ${errorCode})`);
    this.code = info.kind;
    this.namespace = info.namespace;
    this.retriable = info.retriable;
    this.expected = isExpectedOutcome(info.kind);
  }
}
