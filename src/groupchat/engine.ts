import type { FileUpload, BridgeExtensions, CapCheck } from './wire/index.js';
import type { GroupEvent, GroupEventHandler } from './events.js';
import { GroupState } from './group-state.js';
import { approveJoin, denyJoin, inductorTarget, joinerTarget, mintVoucher, voucherId, type JoinContext } from './joins.js';
import { handleMemberRead, readPosition } from './member-reader.js';
import type { PigeonholePort } from './pigeonhole-port.js';
import { ReadScheduler, systemClock, type Clock, type ReadTarget } from './read-scheduler.js';
import { RequestBudget } from './request-budget.js';
import { DEFAULT_POLICY, type PolicyConfig } from './scheduler-policy.js';
import { GroupSender, type SendResult } from './sender.js';
import type { GroupStateStore } from './state-store.js';
import { asGroupId, type GroupId, type MemberKey, type MemberRecord, type PendingJoinRecord } from './types.js';

/**
 * The group chat engine: every group this process is a member of, over one daemon connection.
 * It composes GroupState (members, cursors, hash), the member readers, the sender, the voucher
 * flows and one ReadScheduler that shares the connection's request budget among all streams.
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
    const sender = new GroupSender(state, this.opts.port, this.budget);
    this.groups.set(state.id, { state, sender });
    void sender.resumePending().catch((e) => this.opts.onError?.(`resume:${state.id}`, e));
    for (const m of state.members()) this.watchMember(m);
    const v = await this.opts.store.getJoinerVoucher(state.id);
    if (v) this.scheduler.add(joinerTarget(this.joins, v));
    for (const j of await this.opts.store.listPendingJoins(state.id)) if (j.state === 'awaiting_payload') await this.watchJoin(j);
  }

  private async watchJoin(rec: PendingJoinRecord): Promise<void> {
    const { voucherReadCap } = await this.opts.port.voucherDeriveStream(rec.voucher);
    this.scheduler.add(inductorTarget(this.joins, rec, voucherReadCap));
  }

  private watchMember(m: MemberRecord): void {
    if (!m.active) return;
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
