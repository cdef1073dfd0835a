import { decodePleaseAddList, encodePleaseAddList, sanitizeDisplayName, type PleaseAdd } from './wire/index.js';
import type { GroupEvent } from './events.js';
import type { GroupState } from './group-state.js';
import { PigeonholeError, type PigeonholePort, type ReadOutcome } from './pigeonhole-port.js';
import type { ReadTarget } from './read-scheduler.js';
import type { GroupSender } from './sender.js';
import type { GroupStateStore } from './state-store.js';
import type { GroupId, JoinerVoucherRecord, MemberRecord, PendingJoinRecord } from './types.js';

/**
 * Joining with a contact voucher, both roles (wire §1.10; thin-client §2.8). All crypto is the
 * daemon's; we move opaque bytes between voucher_* calls and the voucher stream's boxes 0 and 1.
 *
 * Inductor (an existing member, usually the bridge): read box 0 (the joiner's voucher payload),
 * ask the daemon (voucher_induct, local) for the joiner's verified display name, and hold the
 * request for approval: nothing is written anywhere until `approve`. On approve, voucher_induct
 * runs again with the current member list (the first call's sealed reply is discarded: its salt
 * is not used anywhere), box 1 gets the sealed reply, the joiner is added under its salt-mutated
 * read cap, and an INTRODUCTION goes to the group ([N], wire §2). On deny nothing is written.
 *
 * Rename, the draft's "please revise your display name": katzenqt has no such message and names
 * are local labels (wire §1.7, §2), so we do not send one. `approve` takes an optional name
 * instead: the approver picks the label under which we add the joiner and announce it in the
 * INTRODUCTION; the joiner's own stream and cap are unchanged.
 *
 * Joiner: mint (voucher_mint with our write cap and name), write the payload raw to box 0, hand
 * out the voucher, read box 1; voucher_open gives the please_add_list and our mutated write cap,
 * which replaces ours (its first index is our next index), and every listed member is added.
 */

export interface JoinContext {
  readonly port: PigeonholePort;
  /** port.writeBox under the shared request budget. */
  readonly writeBox: PigeonholePort['writeBox'];
  readonly store: GroupStateStore;
  readonly emit: (e: GroupEvent) => Promise<void>;
  readonly nowMs: () => number;
  readonly state: (g: GroupId) => GroupState;
  readonly sender: (g: GroupId) => GroupSender;
  /** Called for every member added, so the scheduler starts reading it. */
  readonly onMemberAdded: (m: MemberRecord) => void;
  /** A background step failed (the INTRODUCTION after an induction). */
  readonly onError: (where: string, error: unknown) => void;
}

export function voucherId(voucher: Uint8Array): string {
  return Buffer.from(voucher).toString('hex');
}

/** The please_add_list we hand a joiner: ourselves first, then every active member (wire §1.6). */
export function buildWhoReply(state: GroupState): Uint8Array {
  const entries: PleaseAdd[] = [
    { displayName: sanitizeDisplayName(state.record.selfName), readCap: state.record.writeCap.slice(32) },
    ...state
      .members()
      .filter((m) => m.active)
      .map((m) => ({ displayName: sanitizeDisplayName(m.displayName), readCap: m.readCap })),
  ];
  return encodePleaseAddList(entries);
}

/** Inductor: the read target for box 0 of a voucher stream. Fail-fast polls under the scheduler,
 *  as [N] does (wire §1.10 step 4), so a request that never comes costs little. */
export function inductorTarget(ctx: JoinContext, join: PendingJoinRecord, voucherReadCap: Uint8Array): ReadTarget {
  const id = join.voucherHex;
  return {
    key: `join:${join.groupId}:${id}`,
    group: join.groupId,
    position: () => ({ readCap: voucherReadCap, index: voucherReadCap.slice(32), failFastOnly: true }),
    handle: async (_index, outcome) => {
      if (outcome.kind !== 'box') return { urgent: false, done: outcome.kind === 'tombstone' };
      const state = ctx.state(join.groupId);
      try {
        const induct = await ctx.port.voucherInduct(join.voucher, outcome.plaintext, buildWhoReply(state));
        await ctx.store.putPendingJoin({ ...join, voucherPayload: outcome.plaintext, requestedName: induct.displayName, state: 'pending_approval' });
        await ctx.emit({ type: 'join_request', groupId: join.groupId, requestId: id, requestedName: induct.displayName });
      } catch (e) {
        // A bad voucher (hash mismatch 28, signature 29, ...): drop the request, report it.
        if (!(e instanceof PigeonholeError)) throw e;
        await ctx.store.deletePendingJoin(join.groupId, id);
        await ctx.emit({ type: 'join_request_failed', groupId: join.groupId, requestId: id, code: e.code, detail: e.message });
      }
      return { urgent: false, done: true };
    },
  };
}

export async function approveJoin(ctx: JoinContext, groupId: GroupId, requestId: string, displayName?: string): Promise<MemberRecord> {
  const join = (await ctx.store.listPendingJoins(groupId)).find((j) => j.voucherHex === requestId);
  if (!join || join.state !== 'pending_approval' || !join.voucherPayload) throw new RangeError(`requestId: no join request ${requestId} waiting for approval in ${groupId}`);
  const state = ctx.state(groupId);
  const induct = await ctx.port.voucherInduct(join.voucher, join.voucherPayload, buildWhoReply(state));
  // Box 1 = the index after box 0 of the voucher stream (wire §1.10 step 6).
  const box1 = await ctx.port.nextIndex(induct.voucherWriteCap.slice(64));
  await ctx.writeBox(induct.voucherWriteCap, box1, induct.sealedReply);
  const name = sanitizeDisplayName(displayName ?? induct.displayName);
  const added = await state.serial(() => state.addMember(name, induct.mutatedReadCap, 'inducted', ctx.nowMs()));
  await ctx.store.deletePendingJoin(groupId, requestId);
  const member = added ?? state.members().find((m) => Buffer.compare(m.readCap.subarray(0, 32), induct.mutatedReadCap.subarray(0, 32)) === 0)!;
  if (added) ctx.onMemberAdded(added);
  // [N]: announce the new member so every member starts reading it (wire §2, §3.2 item 2).
  void ctx
    .sender(groupId)
    .send({ kind: 'introduction', introduction: { displayName: name, readCap: induct.mutatedReadCap } })
    .catch((e: unknown) => ctx.onError(`introduction:${groupId}`, e));
  await ctx.emit({ type: 'inducted', groupId, requestId, member: member.memberKey, displayName: name });
  if (added) await ctx.emit({ type: 'member_added', groupId, member: added.memberKey, displayName: name, source: 'inducted' });
  return member;
}

export async function denyJoin(ctx: JoinContext, groupId: GroupId, requestId: string): Promise<void> {
  const join = (await ctx.store.listPendingJoins(groupId)).find((j) => j.voucherHex === requestId);
  if (!join) throw new RangeError(`requestId: no join request ${requestId} in ${groupId}`);
  await ctx.store.deletePendingJoin(groupId, requestId);
}

/** Joiner: mint a voucher for our stream in `groupId` (status 'joining') and publish box 0. */
export async function mintVoucher(ctx: JoinContext, groupId: GroupId): Promise<JoinerVoucherRecord> {
  const state = ctx.state(groupId);
  const minted = await ctx.port.voucherMint(state.record.writeCap, sanitizeDisplayName(state.record.selfName));
  const box0 = minted.voucherWriteCap.slice(64);
  await ctx.writeBox(minted.voucherWriteCap, box0, minted.voucherPayload);
  const rec: JoinerVoucherRecord = {
    groupId,
    voucher: minted.voucher,
    voucherSecretKey: minted.voucherSecretKey,
    voucherReadCap: minted.voucherReadCap,
    replyIndex: await ctx.port.nextIndex(box0),
    createdAtMs: ctx.nowMs(),
  };
  await ctx.store.putJoinerVoucher(rec);
  return rec;
}

/** Joiner: the read target for box 1 (the sealed reply). */
export function joinerTarget(ctx: JoinContext, v: JoinerVoucherRecord): ReadTarget {
  return {
    key: `voucher:${v.groupId}`,
    group: v.groupId,
    position: () => ({ readCap: v.voucherReadCap, index: v.replyIndex }),
    handle: async (_index, outcome: ReadOutcome) => {
      if (outcome.kind !== 'box') return { urgent: false, done: outcome.kind === 'tombstone' };
      const state = ctx.state(v.groupId);
      let opened;
      try {
        opened = await ctx.port.voucherOpen(v.voucherSecretKey, outcome.plaintext, state.record.writeCap);
      } catch (e) {
        if (!(e instanceof PigeonholeError)) throw e;
        await ctx.emit({ type: 'join_failed', groupId: v.groupId, code: e.code, detail: e.message });
        return { urgent: false, done: true };
      }
      const list = decodePleaseAddList(opened.whoReply);
      // Our mutated write cap replaces ours: its first index is where our next box goes (§1.10 step 7).
      await state.serial(() =>
        state.updateGroup({ ...state.record, writeCap: opened.mutatedWriteCap, nextWriteIndex: opened.mutatedWriteCap.slice(64), status: 'member' }),
      );
      let n = 0;
      for (const p of list.members) {
        const added = await state.serial(() => state.addMember(p.displayName, p.readCap, 'who_reply', ctx.nowMs()));
        if (!added) continue;
        n++;
        ctx.onMemberAdded(added);
        await ctx.emit({ type: 'member_added', groupId: v.groupId, member: added.memberKey, displayName: added.displayName, source: 'who_reply' });
      }
      for (const r of list.rejected) {
        await ctx.emit({ type: 'box_error', groupId: v.groupId, member: state.selfKey, counter: `who_reply[${r.index}]`, code: r.error.code, detail: r.error.message });
      }
      await ctx.store.deleteJoinerVoucher(v.groupId);
      await ctx.emit({ type: 'joined', groupId: v.groupId, members: n });
      return { urgent: false, done: true };
    },
  };
}
