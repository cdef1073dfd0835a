import type { ReassemblyState } from './wire/index.js';

/**
 * Identifiers and stored records of the group chat engine (issue 4). Persisted by a
 * GroupStateStore (state-store.ts), so their shapes are a storage format: add fields, never
 * repurpose one.
 */

/** Our local name for a group. The wire carries no group id (wire §1.1): it is local only,
 *  unique within one engine's store. */
export type GroupId = string & { readonly __brand: 'GroupId' };
/** A member: lowercase hex of its stream's Ed25519 root key, read_cap[0:32] (wire §1.1, §2).
 *  Unique within a group; a joiner's unmutated and salt-mutated caps share it (wire §1.8). */
export type MemberKey = string & { readonly __brand: 'MemberKey' };

export function asGroupId(s: string): GroupId {
  if (typeof s !== 'string' || s.length === 0 || s.length > 200) throw new RangeError('groupId: expected 1..200 characters');
  return s as GroupId;
}

export function memberKeyOf(readCap: Uint8Array): MemberKey {
  if (!(readCap instanceof Uint8Array)) throw new TypeError('readCap: expected Uint8Array');
  if (readCap.length !== 136) throw new RangeError(`readCap: expected 136 bytes, got ${readCap.length}`);
  return Buffer.from(readCap.subarray(0, 32)).toString('hex') as MemberKey;
}

/** The u64 counter of a MessageBoxIndex: little-endian in its first 8 bytes (wire §1.2). */
export function counterOf(index: Uint8Array): bigint {
  if (!(index instanceof Uint8Array) || index.length !== 104) throw new RangeError('index: expected a 104-byte MessageBoxIndex');
  return new DataView(index.buffer, index.byteOffset, 8).getBigUint64(0, true);
}

/** One group as this engine holds it (wire §1.8: own write cap, own name, the members). */
export interface GroupRecord {
  readonly groupId: GroupId;
  /** Our display name in this group (1..30 code points, wire §1.7). */
  readonly selfName: string;
  /** Our stream's write cap. After joining by voucher, the salt-mutated cap (wire §1.10 step 7). */
  readonly writeCap: Uint8Array;
  /** The index our next box goes to. */
  readonly nextWriteIndex: Uint8Array;
  /** A box being written to our own stream at nextWriteIndex, stored before the write starts: after
   *  a crash the same bytes are written again at the same index (idempotent, thin-client §3.3),
   *  never different bytes, which a default write would report as success and silently drop. */
  readonly pendingOwnBox?: Uint8Array;
  /** Per-group arrival counter: the sequence number of the last event emitted (arrival order
   *  across streams, wire §1.13). */
  readonly arrivalSeq: number;
  /** 'member' once we can write to the group; 'joining' while a voucher we minted waits for box 1. */
  readonly status: 'member' | 'joining';
  readonly createdAtMs: number;
}

/** A large message being fetched from a temp stream ('I' pointer, wire §1.4). Persisted after
 *  every chunk so a restart halfway through resumes at the next chunk. */
export interface TransferState {
  /** Counter of the 'I' box on the member's stream: the message's place and dedup id. */
  readonly pointerCounter: string;
  readonly tempReadCap: Uint8Array;
  /** Next temp-stream index to read. */
  readonly tempCursor: Uint8Array;
  /** The member-stream index after the 'I' box: the cursor once the message is complete. */
  readonly resumeCursor: Uint8Array;
  /** The temp stream's reassembler state (wire reassembler.ts): the 'C' pieces read so far. */
  readonly reassembly: ReassemblyState;
}

export interface MemberRecord {
  readonly groupId: GroupId;
  readonly memberKey: MemberKey;
  /** A local label (wire §1.7): the name from the voucher, WhoReply or INTRODUCTION. */
  readonly displayName: string;
  readonly readCap: Uint8Array;
  /** The next index of the member's stream to read: a durable cursor, moved by exactly one box
   *  (wire §1.13 "Duplicates"). */
  readonly cursor: Uint8Array;
  /** How we learnt of the member; 'puppet': a stream this engine writes for someone else. */
  readonly source: 'creator' | 'inducted' | 'who_reply' | 'introduction' | 'manual' | 'puppet';
  /** False once the member is no longer read (set by an operator). Inactive members are left
   *  out of the membership hash (wire §1.8). A bad framing byte does NOT deactivate: unlike
   *  katzenqt (§1.3) we record the box error and read on. */
  readonly active: boolean;
  /** Pending 'C' pieces written directly on the member's stream (wire §1.4: katzenqt reads that
   *  form, never writes it). Absent when there are none. */
  readonly reassembly?: ReassemblyState;
  readonly transfer?: TransferState;
  readonly addedAtMs: number;
  /** Set for a puppet stream (source 'puppet'): we write it and never read it, so nothing a
   *  bridged user says comes back to the bridge as a Katzenpost message. Secret (a write cap). */
  readonly ownStream?: PuppetWriterState;
}

/** Where one stream we write stands: the same crash-safe rule as our own stream (GroupRecord's
 *  nextWriteIndex and pendingOwnBox), plus what makes a bridge's resend after a crash idempotent. */
export interface StreamWriterState {
  readonly writeCap: Uint8Array;
  readonly nextWriteIndex: Uint8Array;
  /** A box recorded before its write started; rewritten with the same bytes after a failure. */
  readonly pendingBox?: Uint8Array;
  /** The caller's id of the message in pendingBox (x-bridge-msgid), when it gave one. */
  readonly pendingMsgId?: Uint8Array;
  /** The last message written with an id: a resend with that id returns its counter instead of
   *  writing it twice (the caller's durable outbox retries whatever it did not see finish). */
  readonly lastSent?: { readonly msgId: Uint8Array; readonly counter: string };
}

export interface PuppetWriterState extends StreamWriterState {
  /** True once our own stream carried the INTRODUCTION that makes members read this stream;
   *  nothing is written to the puppet stream before that. */
  readonly introduced: boolean;
}

/** A join request waiting for approval: box 0 of a voucher stream, read by us as the inductor
 *  (wire §1.10 steps 4-5). */
export interface PendingJoinRecord {
  readonly groupId: GroupId;
  /** Hex of the 32-byte voucher: unique per request. */
  readonly voucherHex: string;
  readonly voucher: Uint8Array;
  /** Raw box 0 (the daemon-built voucher payload); opaque to us. */
  readonly voucherPayload?: Uint8Array;
  /** The would-be member's display name as the voucher states it (set once box 0 is read). */
  readonly requestedName?: string;
  readonly state: 'awaiting_payload' | 'pending_approval';
  readonly createdAtMs: number;
}

/** A voucher we minted to join a group (joiner side, wire §1.10 steps 1-3, 7). The secret key
 *  is needed to open box 1, so this record is secret, like a write cap. */
export interface JoinerVoucherRecord {
  readonly groupId: GroupId;
  readonly voucher: Uint8Array;
  readonly voucherSecretKey: Uint8Array;
  readonly voucherReadCap: Uint8Array;
  /** Index of box 1 on the voucher stream, where the sealed reply will land. */
  readonly replyIndex: Uint8Array;
  readonly createdAtMs: number;
}
