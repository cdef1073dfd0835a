import { membershipHashV1 } from './wire/index.js';
import type { GroupStateStore } from './state-store.js';
import { counterOf, memberKeyOf, type GroupId, type GroupRecord, type MemberKey, type MemberRecord, type PuppetWriterState } from './types.js';

/**
 * One group's state in memory, written through to the GroupStateStore (wire §1.8: own write cap,
 * own name, and per member a name, a read cap and a next-read cursor).
 *  - Members are keyed by root key (read_cap[0:32]); adding a known key or ourselves is a no-op,
 *    as [N] does for INTRODUCTION (wire §2).
 *  - The v1 membership hash is recomputed whenever the member set changes (wire §1.8): self plus
 *    every active member.
 *  - Dedup (wire §1.13): a cursor moves by exactly one box; a read whose index is not the cursor
 *    is stale or a duplicate and is dropped (`isCurrent`).
 * All mutations of one group run one at a time through `serial`, so a store never sees two
 * writes for one key at once.
 */
export class GroupState {
  private membersByKey = new Map<MemberKey, MemberRecord>();
  private hash: Uint8Array | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: GroupStateStore,
    private groupRec: GroupRecord,
    members: readonly MemberRecord[],
  ) {
    for (const m of members) this.membersByKey.set(m.memberKey, m);
  }

  static async load(store: GroupStateStore, groupId: GroupId): Promise<GroupState> {
    const g = await store.getGroup(groupId);
    if (!g) throw new RangeError(`groupId: no group ${groupId}`);
    return new GroupState(store, g, await store.listMembers(groupId));
  }

  static async create(store: GroupStateStore, group: GroupRecord): Promise<GroupState> {
    if (await store.getGroup(group.groupId)) throw new RangeError(`groupId: group ${group.groupId} already exists`);
    await store.putGroup(group);
    return new GroupState(store, group, []);
  }

  get id(): GroupId {
    return this.groupRec.groupId;
  }
  get record(): GroupRecord {
    return this.groupRec;
  }
  /** Our own member key: write_cap[32:64] (wire §1.8 "Self"). */
  get selfKey(): MemberKey {
    return memberKeyOf(this.groupRec.writeCap.subarray(32));
  }

  members(): readonly MemberRecord[] {
    return [...this.membersByKey.values()];
  }
  member(key: MemberKey): MemberRecord | undefined {
    return this.membersByKey.get(key);
  }

  /** SHA-256 v1 over self and the active members (wire §1.8), cached until membership changes. */
  membershipHash(): Uint8Array {
    this.hash ??= membershipHashV1({
      selfWriteCap: this.groupRec.writeCap,
      memberReadCaps: this.members()
        .filter((m) => m.active)
        .map((m) => m.readCap),
    });
    return this.hash;
  }

  /** Runs `fn` after every earlier mutation of this group has finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds a member reading from the start of `readCap` (a read cap points at the stream's first
   * box, wire §1.2). Returns undefined when the key is ours or already known: the first name and
   * cap we learnt win, so a replayed INTRODUCTION cannot move a cursor back.
   */
  async addMember(
    displayName: string,
    readCap: Uint8Array,
    source: MemberRecord['source'],
    nowMs: number,
    ownStream?: PuppetWriterState,
  ): Promise<MemberRecord | undefined> {
    const memberKey = memberKeyOf(readCap);
    if (memberKey === this.selfKey || this.membersByKey.has(memberKey)) return undefined;
    const rec: MemberRecord = {
      groupId: this.id,
      memberKey,
      displayName,
      readCap: readCap.slice(),
      cursor: readCap.slice(32),
      source,
      active: true,
      addedAtMs: nowMs,
      ...(ownStream ? { ownStream } : {}),
    };
    await this.store.putMember(rec);
    this.membersByKey.set(memberKey, rec);
    this.hash = undefined;
    return rec;
  }

  /** True if a read of `member` at `index` is the one its cursor expects (else: stale/duplicate). */
  isCurrent(member: MemberKey, index: Uint8Array): boolean {
    const m = this.membersByKey.get(member);
    if (!m || !m.active) return false;
    const at = m.transfer ? m.transfer.tempCursor : m.cursor;
    return counterOf(at) === counterOf(index) && Buffer.compare(at, index) === 0;
  }

  /** Persists a member's new cursor/transfer state; `emitted` bumps the arrival counter by the
   *  number of message events handed over with it. Returns the arrival seq of the first. */
  async commit(next: MemberRecord, emitted: number): Promise<number> {
    const firstSeq = this.groupRec.arrivalSeq + 1;
    const group = emitted > 0 ? { ...this.groupRec, arrivalSeq: this.groupRec.arrivalSeq + emitted } : this.groupRec;
    await this.store.commitRead(next, group);
    this.groupRec = { ...this.groupRec, arrivalSeq: group.arrivalSeq };
    this.membersByKey.set(next.memberKey, next);
    return firstSeq;
  }

  /** The arrival seq the next emitted event will get. */
  nextSeq(): number {
    return this.groupRec.arrivalSeq + 1;
  }

  async updateGroup(next: GroupRecord): Promise<void> {
    if (next.groupId !== this.id) throw new RangeError('group: id cannot change');
    const capChanged = Buffer.compare(next.writeCap, this.groupRec.writeCap) !== 0;
    await this.store.putGroup(next);
    this.groupRec = next;
    if (capChanged) this.hash = undefined;
  }

  /** Persists a puppet stream's writer state (engine.ts); the member must be one of ours. */
  async putOwnStream(member: MemberKey, ownStream: PuppetWriterState): Promise<void> {
    const m = this.membersByKey.get(member);
    if (!m?.ownStream) throw new RangeError(`member: ${member} is not a stream this engine writes`);
    const next = { ...m, ownStream };
    await this.store.putMember(next);
    this.membersByKey.set(member, next);
  }

  async setActive(member: MemberKey, active: boolean): Promise<void> {
    const m = this.membersByKey.get(member);
    if (!m || m.active === active) return;
    const next = { ...m, active };
    await this.store.putMember(next);
    this.membersByKey.set(member, next);
    this.hash = undefined;
  }
}
