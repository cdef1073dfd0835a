import { sanitizeDisplayName, type FileUpload, type BridgeExtensions, type CapCheck } from './wire/index.js';
import type { GroupEvent, GroupEventHandler } from './events.js';
import { GroupState } from './group-state.js';
import { approveJoin, denyJoin, inductorTarget, joinerTarget, mintVoucher, voucherId, type JoinContext } from './joins.js';
import { handleMemberRead, readPosition } from './member-reader.js';
import type { PigeonholePort } from './pigeonhole-port.js';
import { ReadScheduler, systemClock, type Clock, type ReadTarget } from './read-scheduler.js';
import { RequestBudget } from './request-budget.js';
import { DEFAULT_POLICY, type PolicyConfig } from './scheduler-policy.js';
import { puppetSlot } from './puppet-slot.js';
import { GroupSender, ownStreamSlot, type OutgoingMessage, type SendResult } from './sender.js';
import type { GroupStateStore } from './state-store.js';
import { asGroupId, memberKeyOf, type GroupId, type MemberKey, type MemberRecord, type PendingJoinRecord } from './types.js';

/**
 * The group chat engine: every group this process is a member of, over one daemon connection.
 * It composes GroupState (members, cursors, hash), the member readers, the sender, the voucher
 * flows and one ReadScheduler that shares the connection's request budget among all streams.
 * Besides its own stream per group it writes puppet streams: one per bridged user (DESIGN.md §3
 * "Per-user streams"), members of the group that this engine never reads.
 * Events go to `onEvent` one at a time per group, before the cursor moves (at least once).
 */

export interface EngineOptions {
  readonly port: PigeonholePort;
  readonly store: GroupStateStore;
  readonly onEvent: GroupEventHandler;
  readonly clock?: Clock;
  readonly policy?: PolicyConfig;
  /** Shared with anything else that sends mixnet requests on this connection. */
  readonly budget?: RequestBudget;
  /** How read caps from the wire are checked (wire caps.ts); 'strict' by default. */
  readonly capCheck?: CapCheck;
  /** A handler or store failure while reading; the read is retried. */
  readonly onError?: (where: string, error: unknown) => void;
}

interface Loaded {
  readonly state: GroupState;
  readonly sender: GroupSender;
}

export class GroupChatEngine {
  readonly scheduler: ReadScheduler;
  readonly budget: RequestBudget;
  private readonly groups = new Map<GroupId, Loaded>();
  /** Senders of puppet streams, by `${groupId}\0${memberKey}`: one queue per stream. */
  private readonly puppetSenders = new Map<string, GroupSender>();
  private readonly clock: Clock;
  private readonly joins: JoinContext;

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.budget = opts.budget ?? new RequestBudget();
    this.scheduler = new ReadScheduler(opts.port, this.budget, opts.policy ?? DEFAULT_POLICY, this.clock, (k, e) => opts.onError?.(k, e));
    this.joins = {
      port: opts.port,
      writeBox: (cap, index, pt) => this.budget.with(() => opts.port.writeBox(cap, index, pt)),
      store: opts.store,
      emit: (e) => this.emit(e),
      nowMs: () => this.clock.now(),
      state: (g) => this.loaded(g).state,
      sender: (g) => this.loaded(g).sender,
      onMemberAdded: (m) => this.watchMember(m),
      onError: (where, e) => opts.onError?.(where, e),
    };
  }

  /** Loads every stored group, resumes interrupted writes, joins and transfers, starts reading. */
  async start(): Promise<void> {
    for (const g of await this.opts.store.listGroups()) await this.attach(await GroupState.load(this.opts.store, g.groupId));
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
  }

  groupIds(): GroupId[] {
    return [...this.groups.keys()];
  }

  group(groupId: string): GroupState {
    return this.loaded(asGroupId(groupId)).state;
  }

  /** A new group with us as its first and only member (wire §1.10 "Create": purely local). */
  async createGroup(groupId: string, selfName: string): Promise<GroupState> {
    return this.newGroup(asGroupId(groupId), selfName, 'member');
  }

  /** Adds a member whose read cap came out of band (the draft's "create from scratch" flow). */
  async addMember(groupId: string, displayName: string, readCap: Uint8Array): Promise<MemberRecord | undefined> {
    const { state } = this.loaded(asGroupId(groupId));
    const added = await state.serial(() => state.addMember(displayName, readCap, 'manual', this.clock.now()));
    if (added) {
      this.watchMember(added);
      await this.emit({ type: 'member_added', groupId: state.id, member: added.memberKey, displayName, source: 'manual' });
    }
    return added;
  }

  sendText(groupId: string, text: string, bridge?: BridgeExtensions): Promise<SendResult> {
    return this.send(groupId, { kind: 'text', text, ...(bridge ? { bridge } : {}) });
  }

  sendFile(groupId: string, file: FileUpload): Promise<SendResult> {
    return this.send(groupId, { kind: 'file', file });
  }

  /**
   * A stream this engine writes for someone else (a bridged Matrix or IRC user): made with
   * new_keypair, added as a member (so it counts in the membership hash, wire §1.8, and a joiner's
   * WhoReply lists it), announced with INTRODUCTION from our own stream (wire §2), and never read
   * here, so what the user says is not echoed back as a Katzenpost message. If the INTRODUCTION
   * cannot be written now, the stream is returned anyway and `sendAs` introduces it before its
   * first box: a retried request never leaves an orphan stream behind. The write cap is secret.
   */
  async createPuppetStream(groupId: string, displayName: string): Promise<{ memberKey: MemberKey; writeCap: Uint8Array }> {
    const { state } = this.loaded(asGroupId(groupId));
    if (state.record.status !== 'member') throw new RangeError(`groupId: ${state.id} is not joined yet`);
    const stream = await this.opts.port.newStream();
    const name = sanitizeDisplayName(displayName);
    const writer = { writeCap: stream.writeCap.slice(), nextWriteIndex: stream.firstIndex.slice(), introduced: false };
    const added = await state.serial(() => state.addMember(name, stream.readCap, 'puppet', this.clock.now(), writer));
    if (!added) throw new Error(`groupId: ${state.id}: the daemon returned a stream that is already a member`);
    try {
      await this.introducePuppet(state.id, added.memberKey);
    } catch (e) {
      this.opts.onError?.(`introduction:${state.id}`, e);
    }
    return { memberKey: added.memberKey, writeCap: stream.writeCap.slice() };
  }

  /** Writes `msg` to a puppet stream made by createPuppetStream, with the own stream's crash-safe
   *  rule. `msgId` makes a resend of the last message idempotent (sender.ts). */
  async sendAs(groupId: string, writeCap: Uint8Array, msg: OutgoingMessage, msgId?: Uint8Array): Promise<SendResult> {
    const { state } = this.loaded(asGroupId(groupId));
    if (!(writeCap instanceof Uint8Array) || writeCap.length !== 168) throw new RangeError(`writeCap: expected 168 bytes, got ${writeCap?.length}`);
    const key = memberKeyOf(writeCap.subarray(32));
    const m = state.member(key);
    if (!m?.ownStream || Buffer.compare(m.ownStream.writeCap, writeCap) !== 0) throw new RangeError(`writeCap: not a puppet stream of group ${state.id}`);
    if (!m.ownStream.introduced) await this.introducePuppet(state.id, key);
    const res = await this.puppetSender(state.id, key).send(msg, msgId);
    await this.emit({ type: 'sent', groupId: state.id, counter: res.counter, boxes: res.boxes, member: key });
    return res;
  }

  /** Joiner: makes a local group in 'joining' state, mints a voucher and publishes box 0.
   *  Returns the voucher as standard padded base64 (44 characters, wire §1.10 step 3). */
  async mintVoucher(groupId: string, selfName: string): Promise<string> {
    const id = asGroupId(groupId);
    if (!this.groups.has(id)) await this.newGroup(id, selfName, 'joining');
    const { state } = this.loaded(id);
    if (state.record.status !== 'joining' || state.members().length > 0) {
      throw new RangeError(`groupId: ${id} already has members; a voucher joins an empty local group (wire §1.10)`);
    }
    if (await this.opts.store.getJoinerVoucher(id)) throw new RangeError(`groupId: ${id} already has a pending voucher`);
    const rec = await mintVoucher(this.joins, id);
    this.scheduler.add(joinerTarget(this.joins, rec));
    return Buffer.from(rec.voucher).toString('base64');
  }

  /** Inductor: starts reading box 0 of the voucher's stream; a `join_request` event follows. */
  async requestInduction(groupId: string, voucherBase64: string): Promise<string> {
    const id = asGroupId(groupId);
    const { state } = this.loaded(id);
    if (state.record.status !== 'member') throw new RangeError(`groupId: ${id} is not joined yet`);
    const voucher = new Uint8Array(Buffer.from(voucherBase64.trim(), 'base64'));
    if (voucher.length !== 32) throw new RangeError(`voucher: expected 32 bytes of base64, got ${voucher.length}`);
    const rec: PendingJoinRecord = { groupId: id, voucherHex: voucherId(voucher), voucher, state: 'awaiting_payload', createdAtMs: this.clock.now() };
    await this.opts.store.putPendingJoin(rec);
    await this.watchJoin(rec);
    return rec.voucherHex;
  }

  async pendingJoins(groupId: string): Promise<readonly PendingJoinRecord[]> {
    return this.opts.store.listPendingJoins(asGroupId(groupId));
  }

  /** Approves a join request; `displayName` renames the joiner (our choice of "please revise",
   *  see joins.ts). */
  approveJoin(groupId: string, requestId: string, displayName?: string): Promise<MemberRecord> {
    return approveJoin(this.joins, asGroupId(groupId), requestId, displayName);
  }

  /** Denies a join request: nothing is written to the group or the voucher stream. */
  denyJoin(groupId: string, requestId: string): Promise<void> {
    return denyJoin(this.joins, asGroupId(groupId), requestId);
  }

  // -------------------------------------------------------------------------------------------

  private async send(groupId: string, msg: Parameters<GroupSender['send']>[0]): Promise<SendResult> {
    const { state, sender } = this.loaded(asGroupId(groupId));
    const res = await sender.send(msg);
    await this.emit({ type: 'sent', groupId: state.id, counter: res.counter, boxes: res.boxes });
    return res;
  }

  private async introducePuppet(id: GroupId, key: MemberKey): Promise<void> {
    const { state, sender } = this.loaded(id);
    const m = state.member(key);
    if (!m?.ownStream) throw new RangeError(`member: ${key} is not a puppet stream`);
    await sender.send({ kind: 'introduction', introduction: { displayName: m.displayName, readCap: m.readCap } });
    await state.serial(async () => {
      const now = state.member(key)?.ownStream;
      if (now && !now.introduced) await state.putOwnStream(key, { ...now, introduced: true });
    });
  }

  private puppetSender(id: GroupId, key: MemberKey): GroupSender {
    const k = `${id}\u0000${key}`;
    let s = this.puppetSenders.get(k);
    if (!s) {
      const { state } = this.loaded(id);
      s = new GroupSender(state, puppetSlot(state, key), this.opts.port, this.budget);
      this.puppetSenders.set(k, s);
    }
    return s;
  }

  private async newGroup(id: GroupId, selfName: string, status: 'member' | 'joining'): Promise<GroupState> {
    const stream = await this.opts.port.newStream();
    const state = await GroupState.create(this.opts.store, {
      groupId: id,
      selfName,
      writeCap: stream.writeCap,
      nextWriteIndex: stream.firstIndex,
      arrivalSeq: 0,
      status,
      createdAtMs: this.clock.now(),
    });
    await this.attach(state);
    return state;
  }

  private async attach(state: GroupState): Promise<void> {
    const sender = new GroupSender(state, ownStreamSlot(state), this.opts.port, this.budget);
    this.groups.set(state.id, { state, sender });
    void sender.resumePending().catch((e) => this.opts.onError?.(`resume:${state.id}`, e));
    for (const m of state.members()) {
      if (m.ownStream) this.resumePuppet(state.id, m);
      else this.watchMember(m);
    }
    const v = await this.opts.store.getJoinerVoucher(state.id);
    if (v) this.scheduler.add(joinerTarget(this.joins, v));
    for (const j of await this.opts.store.listPendingJoins(state.id)) if (j.state === 'awaiting_payload') await this.watchJoin(j);
  }

  private async watchJoin(rec: PendingJoinRecord): Promise<void> {
    const { voucherReadCap } = await this.opts.port.voucherDeriveStream(rec.voucher);
    this.scheduler.add(inductorTarget(this.joins, rec, voucherReadCap));
  }

  /** After a restart: finish a puppet's interrupted box and a missing INTRODUCTION. */
  private resumePuppet(id: GroupId, m: MemberRecord): void {
    void this.puppetSender(id, m.memberKey)
      .resumePending()
      .catch((e) => this.opts.onError?.(`resume:${id}`, e));
    if (m.ownStream && !m.ownStream.introduced) void this.introducePuppet(id, m.memberKey).catch((e) => this.opts.onError?.(`introduction:${id}`, e));
  }

  private watchMember(m: MemberRecord): void {
    if (!m.active || m.ownStream) return;
    const target = this.memberTarget(m.groupId, m.memberKey);
    if (!this.scheduler.has(target.key)) this.scheduler.add(target);
  }

  private memberTarget(groupId: GroupId, member: MemberKey): ReadTarget {
    const ctx = {
      state: this.loaded(groupId).state,
      emit: (e: GroupEvent) => this.emit(e),
      nowMs: () => this.clock.now(),
      ...(this.opts.capCheck ? { capCheck: this.opts.capCheck } : {}),
    };
    return {
      key: `member:${groupId}:${member}`,
      group: groupId,
      position: () => {
        const m = ctx.state.member(member);
        if (!m || !m.active) return undefined;
        const p = readPosition(m);
        return { readCap: p.readCap, index: p.index, failFastOnly: p.inTransfer };
      },
      handle: async (index, outcome) => {
        const res = await handleMemberRead(ctx, member, index, outcome);
        return { urgent: res.urgent };
      },
    };
  }

  private async emit(e: GroupEvent): Promise<void> {
    if (e.type === 'member_added') {
      const m = this.groups.get(e.groupId)?.state.member(e.member);
      if (m) this.watchMember(m);
    }
    await this.opts.onEvent(e);
  }

  private loaded(id: GroupId): Loaded {
    const g = this.groups.get(id);
    if (!g) throw new RangeError(`groupId: no group ${id}`);
    return g;
  }
}
