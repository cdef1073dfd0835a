// Every Pigeonhole call of the thin-client protocol (spec §2.2–§2.8) as a typed promise, on top of
// an abstract `call` that frames, sends and matches the reply. Arguments are checked here (caps
// are opaque bytes with fixed lengths); a non-zero error_code rejects with DaemonError.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  MAX_COPY_PAYLOAD_BYTES, type PkiDocument, type QueryRequestKey, type RequestMap, decodePkiDocument,
  type DirectoryAuthority,
} from '../protocol/index.js';
import * as check from './checks.js';
import { type ReplyOf, writeCapHash } from './dispatcher.js';
import type {
  CallOptions, CopyOptions, CourierEnvelopes, Destination, EncryptedMessage, InductedVoucher, NewKeypair,
  OpenedVoucher, ResendResult, SendOptions, ThinClientEvents, Voucher,
} from './types.js';

// Fields the protocol schema marks 'ok' are non-null once error_code is 0 (the decoder checked).
const nn = <T>(v: T | null): T => v as T;

export abstract class PigeonholeApi extends EventEmitter<ThinClientEvents> {
  protected abstract call<K extends QueryRequestKey>(
    key: K, body: Omit<RequestMap[K], 'query_id'>, signal?: AbortSignal,
  ): Promise<ReplyOf<K>>;

  /** MaxPlaintextPayloadLength from the daemon's geometry (§3.2). */
  abstract get maxPlaintextPayloadLength(): number;

  /** §2.2: a new stream; deterministic in `seed` (32 random bytes by default). */
  async newKeypair(seed: Uint8Array = new Uint8Array(randomBytes(32)), o: CallOptions = {}): Promise<NewKeypair> {
    const r = await this.call('new_keypair', { seed: check.seed(seed) }, o.signal);
    return { writeCap: nn(r.write_cap), readCap: nn(r.read_cap), firstMessageIndex: nn(r.first_message_index) };
  }

  /** §2.3: local; an empty plaintext makes a tombstone. */
  async encryptWrite(plaintext: Uint8Array, writeCap: Uint8Array, index: Uint8Array, o: CallOptions = {}): Promise<EncryptedMessage> {
    check.bytes('plaintext', plaintext);
    const max = this.maxPlaintextPayloadLength;
    if (plaintext.length > max) throw new RangeError(`plaintext must be at most ${max} bytes, got ${plaintext.length}`);
    const r = await this.call('encrypt_write', {
      plaintext, write_cap: check.writeCap(writeCap), message_box_index: check.boxIndex(index),
    }, o.signal);
    return encrypted(r);
  }

  /** A tombstone for one box (§3.3): encrypt_write of an empty plaintext. */
  encryptTombstone(writeCap: Uint8Array, index: Uint8Array, o: CallOptions = {}): Promise<EncryptedMessage> {
    return this.encryptWrite(new Uint8Array(0), writeCap, index, o);
  }

  async encryptRead(readCap: Uint8Array, index: Uint8Array, o: CallOptions = {}): Promise<EncryptedMessage> {
    const r = await this.call('encrypt_read', { read_cap: check.readCap(readCap), message_box_index: check.boxIndex(index) }, o.signal);
    return encrypted(r);
  }

  /** §2.4, write (or tombstone): resolves when the daemon reports success. */
  startResendingWrite(writeCap: Uint8Array, message: EncryptedMessage, o: SendOptions = {}): Promise<ResendResult> {
    return this.resend({ writeCap: check.writeCap(writeCap) }, message, o);
  }

  /** §2.4, read: `index` is the one given to encrypt_read. Resolves with the plaintext;
   *  a tombstone rejects with DaemonError 'tombstone'. */
  startResendingRead(readCap: Uint8Array, index: Uint8Array, message: EncryptedMessage, o: SendOptions = {}): Promise<ResendResult> {
    return this.resend({ readCap: check.readCap(readCap), index: check.boxIndex(index) }, message, o);
  }

  /** §2.4 in its wire form: exactly one of readCap / writeCap. */
  async startResendingEncryptedMessage(
    req: { readCap?: Uint8Array; writeCap?: Uint8Array; messageBoxIndex?: Uint8Array } & Omit<EncryptedMessage, 'nextMessageBoxIndex'>,
    o: SendOptions = {},
  ): Promise<ResendResult> {
    if ((req.readCap === undefined) === (req.writeCap === undefined)) throw new TypeError('exactly one of readCap and writeCap must be given');
    return this.resend({
      ...(req.readCap ? { readCap: check.readCap(req.readCap), index: check.boxIndex(req.messageBoxIndex, 'messageBoxIndex') } : {}),
      ...(req.writeCap ? { writeCap: check.writeCap(req.writeCap) } : {}),
    }, { ...req, nextMessageBoxIndex: new Uint8Array(0) }, o);
  }

  /** §2.5: the original call then rejects with DaemonError 'cancelled'. Unknown hashes succeed. */
  async cancelResendingEncryptedMessage(envelopeHash: Uint8Array, o: CallOptions = {}): Promise<void> {
    await this.call('cancel_resending_encrypted_message', { envelope_hash: check.hash32(envelopeHash, 'envelopeHash') }, o.signal);
  }

  /** encrypt_write + start_resending: one box written. Resolves with the next index. */
  async writeBox(writeCap: Uint8Array, index: Uint8Array, plaintext: Uint8Array, o: SendOptions = {}): Promise<Uint8Array> {
    const m = await this.encryptWrite(plaintext, writeCap, index, o);
    await this.startResendingWrite(writeCap, m, o);
    return m.nextMessageBoxIndex;
  }

  /** encrypt_read + start_resending: one box read. */
  async readBox(readCap: Uint8Array, index: Uint8Array, o: SendOptions = {}): Promise<{ plaintext: Uint8Array; nextIndex: Uint8Array }> {
    const m = await this.encryptRead(readCap, index, o);
    const r = await this.startResendingRead(readCap, index, m, o);
    return { plaintext: r.plaintext ?? new Uint8Array(0), nextIndex: m.nextMessageBoxIndex };
  }

  /** §2.6: runs the copy of a temporary stream; DaemonError 'copy_failed' carries
   *  replicaErrorCode and the 1-based failedEnvelopeIndex. */
  async startResendingCopyCommand(tempWriteCap: Uint8Array, o: CopyOptions = {}): Promise<void> {
    const courier = o.courier
      ? { courier_identity_hash: check.hash32(o.courier.identityHash, 'courier.identityHash'), courier_queue_id: check.bytes('courier.queueId', o.courier.queueId) }
      : {};
    await this.call('start_resending_copy_command', { write_cap: check.writeCap(tempWriteCap, 'tempWriteCap'), ...courier }, o.signal);
  }

  async cancelResendingCopyCommand(tempWriteCap: Uint8Array, o: CallOptions = {}): Promise<void> {
    await this.call('cancel_resending_copy_command', { write_cap_hash: writeCapHash(check.writeCap(tempWriteCap, 'tempWriteCap')) }, o.signal);
  }

  /** §2.7, single payload: always flushes. */
  async createCourierEnvelopesFromPayload(
    payload: Uint8Array, destWriteCap: Uint8Array, destStartIndex: Uint8Array, flags: { isStart: boolean; isLast: boolean }, o: CallOptions = {},
  ): Promise<CourierEnvelopes & { nextDestIndex: Uint8Array }> {
    copyPayload('payload', payload);
    const r = await this.call('create_courier_envelopes_from_payload', {
      payload, dest_write_cap: check.writeCap(destWriteCap, 'destWriteCap'), dest_start_index: check.boxIndex(destStartIndex, 'destStartIndex'),
      is_start: flags.isStart, is_last: flags.isLast,
    }, o.signal);
    return { envelopes: nn(r.envelopes), buffer: null, nextDestIndex: nn(r.next_dest_index) };
  }

  async createCourierEnvelopesFromMultiPayload(
    destinations: readonly Destination[], flags: { isStart: boolean; isLast: boolean; buffer?: Uint8Array | null }, o: CallOptions = {},
  ): Promise<CourierEnvelopes & { nextDestIndices: readonly Uint8Array[] }> {
    if (!Array.isArray(destinations) || destinations.length === 0) throw new RangeError('destinations must be a non-empty array');
    const r = await this.call('create_courier_envelopes_from_multi_payload', {
      destinations: destinations.map((d, i) => ({
        payload: copyPayload(`destinations[${i}].payload`, d.payload),
        write_cap: check.writeCap(d.writeCap, `destinations[${i}].writeCap`),
        start_index: check.boxIndex(d.startIndex, `destinations[${i}].startIndex`),
      })),
      is_start: flags.isStart, is_last: flags.isLast, buffer: flags.buffer ?? null,
    }, o.signal);
    return { envelopes: nn(r.envelopes), buffer: r.buffer, nextDestIndices: nn(r.next_dest_indices) };
  }

  async createCourierEnvelopesFromTombstoneRange(
    destWriteCap: Uint8Array, destStartIndex: Uint8Array, maxCount: number,
    flags: { isStart: boolean; isLast: boolean; buffer?: Uint8Array | null }, o: CallOptions = {},
  ): Promise<CourierEnvelopes & { nextDestIndex: Uint8Array }> {
    const r = await this.call('create_courier_envelopes_from_tombstone_range', {
      dest_write_cap: check.writeCap(destWriteCap, 'destWriteCap'), dest_start_index: check.boxIndex(destStartIndex, 'destStartIndex'),
      max_count: check.uint('maxCount', maxCount, 0xffff_ffff), is_start: flags.isStart, is_last: flags.isLast, buffer: flags.buffer ?? null,
    }, o.signal);
    return { envelopes: nn(r.envelopes), buffer: r.buffer, nextDestIndex: nn(r.next_dest_index) };
  }

  /** Client-side tombstone range (§2.7, as Python/Rust tombstone_range): `count` standalone
   *  tombstone envelopes from `startIndex`, to send one by one with startResendingWrite. */
  async tombstoneRange(writeCap: Uint8Array, startIndex: Uint8Array, count: number, o: CallOptions = {}): Promise<{ envelopes: EncryptedMessage[]; nextIndex: Uint8Array }> {
    check.uint('count', count, 65_536);
    const envelopes: EncryptedMessage[] = [];
    let index = check.boxIndex(startIndex, 'startIndex');
    for (let i = 0; i < count; i++) {
      const m = await this.encryptTombstone(writeCap, index, o);
      envelopes.push(m);
      index = m.nextMessageBoxIndex;
    }
    return { envelopes, nextIndex: index };
  }

  /** §2.8, local. */
  async nextMessageBoxIndex(index: Uint8Array, o: CallOptions = {}): Promise<Uint8Array> {
    const r = await this.call('next_message_box_index', { message_box_index: check.boxIndex(index) }, o.signal);
    return nn(r.next_message_box_index);
  }

  /** §2.8: the index's Idx64, as a bigint (random in [0, 2^63)). */
  async getMessageBoxIndexCounter(index: Uint8Array, o: CallOptions = {}): Promise<bigint> {
    const r = await this.call('get_message_box_index_counter', { message_box_index: check.boxIndex(index) }, o.signal);
    return r.counter;
  }

  /** §2.8: the cert-wrapped document (signatures intact) and its epoch; 0 = current. */
  async getPkiDocument(epoch = 0n, o: CallOptions = {}): Promise<{ payload: Uint8Array; epoch: bigint }> {
    if (typeof epoch !== 'bigint' || epoch < 0n) throw new TypeError('epoch must be a non-negative bigint');
    const r = await this.call('get_pki_document', { epoch }, o.signal);
    return { payload: nn(r.payload), epoch: r.epoch };
  }

  async getDirectoryAuthorities(o: CallOptions = {}): Promise<readonly DirectoryAuthority[]> {
    const r = await this.call('get_directory_authorities', {}, o.signal);
    return nn(r.authorities);
  }

  /** §2.8 contact vouchers: pure cryptography in the daemon. */
  async voucherMint(messageWriteCap: Uint8Array, displayName: string, o: CallOptions = {}): Promise<Voucher> {
    if (typeof displayName !== 'string') throw new TypeError('displayName must be a string');
    const r = await this.call('voucher_mint', { message_write_cap: check.writeCap(messageWriteCap, 'messageWriteCap'), display_name: displayName }, o.signal);
    return {
      voucher: nn(r.voucher), voucherPayload: nn(r.voucher_payload), voucherWriteCap: nn(r.voucher_write_cap),
      voucherReadCap: nn(r.voucher_read_cap), voucherSecretKey: nn(r.voucher_secret_key), voucherPublicKey: nn(r.voucher_public_key),
    };
  }

  async voucherInduct(voucher: Uint8Array, voucherPayload: Uint8Array, whoReply: Uint8Array, o: CallOptions = {}): Promise<InductedVoucher> {
    const r = await this.call('voucher_induct', {
      voucher: check.nonEmpty('voucher', voucher), voucher_payload: check.nonEmpty('voucherPayload', voucherPayload), who_reply: check.bytes('whoReply', whoReply),
    }, o.signal);
    return {
      displayName: r.display_name, mutatedMessageReadCap: nn(r.mutated_message_read_cap), sealedReply: nn(r.sealed_reply),
      voucherWriteCap: nn(r.voucher_write_cap), voucherReadCap: nn(r.voucher_read_cap), salt: nn(r.salt),
    };
  }

  async voucherOpen(voucherSecretKey: Uint8Array, sealedReply: Uint8Array, messageWriteCap: Uint8Array, o: CallOptions = {}): Promise<OpenedVoucher> {
    const r = await this.call('voucher_open', {
      voucher_secret_key: check.nonEmpty('voucherSecretKey', voucherSecretKey), sealed_reply: check.nonEmpty('sealedReply', sealedReply),
      message_write_cap: check.writeCap(messageWriteCap, 'messageWriteCap'),
    }, o.signal);
    return { whoReply: nn(r.who_reply), salt: nn(r.salt), mutatedMessageWriteCap: nn(r.mutated_message_write_cap) };
  }

  async voucherDeriveStream(voucher: Uint8Array, o: CallOptions = {}): Promise<{ voucherWriteCap: Uint8Array; voucherReadCap: Uint8Array }> {
    const r = await this.call('voucher_derive_stream', { voucher: check.nonEmpty('voucher', voucher) }, o.signal);
    return { voucherWriteCap: nn(r.voucher_write_cap), voucherReadCap: nn(r.voucher_read_cap) };
  }

  /** Decodes a new_pki_document_event payload (exposed for callers holding raw payloads). */
  static decodePki(payload: Uint8Array): PkiDocument {
    return decodePkiDocument(payload);
  }

  private async resend(
    who: { writeCap?: Uint8Array; readCap?: Uint8Array; index?: Uint8Array }, m: Omit<EncryptedMessage, 'nextMessageBoxIndex'> & Partial<EncryptedMessage>, o: SendOptions,
  ): Promise<ResendResult> {
    const r = await this.call('start_resending_encrypted_message', {
      read_cap: who.readCap ?? null, write_cap: who.writeCap ?? null, message_box_index: who.index ?? null, reply_index: null,
      envelope_descriptor: check.nonEmpty('envelopeDescriptor', m.envelopeDescriptor),
      message_ciphertext: check.nonEmpty('messageCiphertext', m.messageCiphertext),
      envelope_hash: check.hash32(m.envelopeHash, 'envelopeHash'),
      ...(who.readCap && o.noRetryOnBoxIdNotFound ? { no_retry_on_box_id_not_found: true } : {}),
      ...(who.writeCap && o.noIdempotentBoxAlreadyExists ? { no_idempotent_box_already_exists: true } : {}),
    }, o.signal);
    return { plaintext: r.plaintext, courierIdentityHash: r.courier_identity_hash, courierQueueId: r.courier_queue_id };
  }
}

function encrypted(r: ReplyOf<'encrypt_write'>): EncryptedMessage {
  return {
    messageCiphertext: nn(r.message_ciphertext), envelopeDescriptor: nn(r.envelope_descriptor),
    envelopeHash: nn(r.envelope_hash), nextMessageBoxIndex: nn(r.next_message_box_index),
  };
}

function copyPayload(name: string, p: unknown): Uint8Array {
  const b = check.bytes(name, p);
  if (b.length > MAX_COPY_PAYLOAD_BYTES) throw new RangeError(`${name} must be at most ${MAX_COPY_PAYLOAD_BYTES} bytes, got ${b.length}`);
  return b;
}
