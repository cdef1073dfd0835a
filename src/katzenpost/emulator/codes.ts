// The error codes the emulator sends (thin-client §2.10). The namespace depends on the reply:
// start_resending_encrypted_message_reply mixes replica codes 1–11 with thin codes.

export const ThinCode = {
  Success: 0,
  InvalidRequest: 3,
  InternalError: 4,
  ServiceUnavailable: 10,
  CourierCacheCorruption: 12,
  PropagationError: 13,
  MKEMDecryptionFailed: 22,
  BACAPDecryptionFailed: 23,
  StartResendingCancelled: 24,
  InvalidTombstoneSig: 25,
  CopyCommandFailed: 26,
  VoucherHashMismatch: 28,
  VoucherSignatureInvalid: 29,
  VoucherSealOpenFailed: 30,
  CourierInvalidEnvelope: 31,
  CourierInvalidEpoch: 32,
} as const;

export const ReplicaCode = {
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
