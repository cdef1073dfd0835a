import { strict as assert } from 'node:assert';
import { DaemonError, ReplicaErrorCode, ThinErrorCode, describeErrorCode } from '../../../../src/katzenpost/protocol/index.js';

const RESEND = 'start_resending_encrypted_message_reply';

describe('katzenpost protocol: error codes (thin-client §2.10)', () => {
  it('maps replica codes 1–11 in the resend reply to named kinds', () => {
    const cases: [number, string][] = [
      [ReplicaErrorCode.BoxIDNotFound, 'box_not_found'], [ReplicaErrorCode.InvalidBoxID, 'invalid_box_id'],
      [ReplicaErrorCode.StorageFull, 'storage_full'], [ReplicaErrorCode.BoxAlreadyExists, 'box_already_exists'],
      [ReplicaErrorCode.Tombstone, 'tombstone'],
    ];
    for (const [n, kind] of cases) {
      const e = new DaemonError(RESEND, n);
      assert.equal(e.code, kind, `code ${n}`);
      assert.equal(e.namespace, 'replica');
    }
  });

  it('marks 3 and 4 in the resend reply as ambiguous, but not elsewhere', () => {
    for (const n of [3, 4]) {
      assert.equal(new DaemonError(RESEND, n).code, 'bad_request_or_replica_fault');
      assert.equal(new DaemonError(RESEND, n).retriable, false);
    }
    assert.equal(new DaemonError('encrypt_write_reply', 3).code, 'invalid_request');
    assert.equal(new DaemonError('encrypt_write_reply', 4).code, 'internal_error');
    assert.equal(new DaemonError('get_pki_document_reply', 10).code, 'service_unavailable');
  });

  it('maps thin codes ≥ 12 the same in every reply: cancelled, stale epoch, decryption, vouchers', () => {
    const cases: [number, string][] = [
      [ThinErrorCode.StartResendingCancelled, 'cancelled'], [ThinErrorCode.CourierInvalidEpoch, 'stale_epoch'],
      [ThinErrorCode.BACAPDecryptionFailed, 'bacap_decryption_failed'], [ThinErrorCode.MKEMDecryptionFailed, 'mkem_decryption_failed'],
      [ThinErrorCode.InvalidTombstoneSig, 'invalid_tombstone_signature'], [ThinErrorCode.VoucherHashMismatch, 'voucher_hash_mismatch'],
      [ThinErrorCode.VoucherSignatureInvalid, 'voucher_signature_invalid'], [ThinErrorCode.VoucherSealOpenFailed, 'voucher_seal_open_failed'],
      [ThinErrorCode.CourierInvalidEnvelope, 'courier_invalid_envelope'], [ThinErrorCode.CourierCacheCorruption, 'courier_cache_corruption'],
    ];
    for (const [n, kind] of cases) {
      assert.equal(new DaemonError(RESEND, n).code, kind, `resend ${n}`);
      assert.equal(new DaemonError('voucher_open_reply', n).code, kind, `voucher ${n}`);
    }
    assert.equal(new DaemonError(RESEND, 32).retriable, true);
    assert.equal(new DaemonError(RESEND, 24).retriable, false);
  });

  it('flags the expected outcomes 1, 10 and 11 only', () => {
    assert.deepEqual([1, 10, 11, 2, 23].map((n) => new DaemonError(RESEND, n).expected), [true, true, true, false, false]);
  });

  it('reads readable messages with no secrets, and copy failures name the envelope and replica verdict', () => {
    assert.match(new DaemonError(RESEND, 1).message, /box not found.*code 1/);
    assert.match(new DaemonError(RESEND, 11).message, /tombstoned/);
    assert.match(new DaemonError(RESEND, 32).message, /stale.*re-encrypt/);
    const copy = new DaemonError('start_resending_copy_command_reply', 26, 10, 4);
    assert.equal(copy.code, 'copy_failed');
    assert.equal(copy.replicaErrorCode, 10);
    assert.equal(copy.failedEnvelopeIndex, 4);
    assert.match(copy.message, /envelope 4: box already exists/);
    assert.match(new DaemonError('start_resending_copy_command_reply', 26, 0, 1).message, /transport failure/);
  });

  it('keeps legacy and unknown codes distinct', () => {
    assert.equal(describeErrorCode('new_keypair_reply', 17).kind, 'legacy_code');
    assert.equal(describeErrorCode('new_keypair_reply', 200).kind, 'unknown_code');
    assert.equal(describeErrorCode(RESEND, 12).namespace, 'thin');
  });
});
