import {
  MsgType,
  StreamReassembler,
  tryDecodeGroupChatMessage,
  type BoxOutcome,
  type CapCheck,
  type DecodedMessage,
  type WireErrorCode,
} from './wire/index.js';
import type { GroupEvent } from './events.js';
import type { GroupState } from './group-state.js';
import type { ReadOutcome } from './pigeonhole-port.js';
import { counterOf, memberKeyOf, type MemberKey, type MemberRecord } from './types.js';

/**
 * Turns the boxes read from one member's stream into events (wire §1.3, §1.4, §1.13):
 *  - 'F' (after any direct 'C' pieces): decode, emit, move the cursor one box;
 *  - 'I': start a transfer; the member's next reads go to the temp stream (fail-fast: its boxes
 *    were all ACKed before the pointer was written) and the member's own stream waits, so the
 *    large message keeps its place in the member's order;
 *  - the temp stream's 'F' completes the message: emit it with the 'I' box's counter, and the
 *    cursor moves past the 'I' box;
 *  - a bad box or message: a 'box_error' event, the cursor moves on (never stalls, never
 *    deactivates the member, unlike katzenqt on a bad framing byte);
 *  - a tombstone: skipped.
 * The reassembly and transfer state are committed with the cursor after every box, so a restart
 * halfway through a large message resumes at the next temp box.
 */

export interface ReaderContext {
  readonly state: GroupState;
  readonly emit: (event: GroupEvent) => Promise<void>;
  readonly nowMs: () => number;
  readonly capCheck?: CapCheck;
}

/** Where to read next for this member: its stream, or the temp stream of a transfer. */
export function readPosition(m: MemberRecord): { readCap: Uint8Array; index: Uint8Array; inTransfer: boolean } {
  if (m.transfer) return { readCap: m.transfer.tempReadCap, index: m.transfer.tempCursor, inTransfer: true };
  return { readCap: m.readCap, index: m.cursor, inTransfer: false };
}

/**
 * Handles one read of `member` at `index`. Returns whether the member has more to fetch at once
 * (a transfer in progress). Stale or duplicate replies (index is not the cursor) are dropped.
 */
export async function handleMemberRead(ctx: ReaderContext, member: MemberKey, index: Uint8Array, outcome: ReadOutcome): Promise<{ urgent: boolean }> {
  const { state } = ctx;
  return state.serial(async () => {
    const m = state.member(member);
    if (!m || !state.isCurrent(member, index)) return { urgent: !!m?.transfer };
    if (outcome.kind !== 'box' && outcome.kind !== 'tombstone') return { urgent: !!m.transfer };
    if (m.transfer) return onTempBox(ctx, m, outcome);
    return onOwnBox(ctx, m, outcome);
  });
}

async function onOwnBox(ctx: ReaderContext, m: MemberRecord, outcome: ReadOutcome & { kind: 'box' | 'tombstone' }): Promise<{ urgent: boolean }> {
  const counter = counterOf(m.cursor).toString();
  const advanced: MemberRecord = { ...m, cursor: outcome.nextIndex };
  if (outcome.kind === 'tombstone') {
    await ctx.state.commit(advanced, 0);
    return { urgent: false };
  }
  const r = m.reassembly
    ? StreamReassembler.restore(m.reassembly, ctx.capCheck ? { capCheck: ctx.capCheck } : {})
    : new StreamReassembler({ role: 'own', ...(ctx.capCheck ? { capCheck: ctx.capCheck } : {}) });
  const res: BoxOutcome = r.feed(outcome.plaintext);
  const { reassembly: _drop, ...rest } = advanced;
  const base: MemberRecord = rest;
  switch (res.kind) {
    case 'partial':
      await ctx.state.commit({ ...base, reassembly: r.state }, 0);
      return { urgent: false };
    case 'rejected':
      await emitBoxError(ctx, m.memberKey, counter, res.error.code, res.error.message);
      await ctx.state.commit(base, 0);
      return { urgent: false };
    case 'pointer': {
      const tr = new StreamReassembler({ role: 'temp', ...(res.totalChunks !== undefined ? { expectedChunks: res.totalChunks } : {}) });
      const next: MemberRecord = {
        ...m,
        transfer: {
          pointerCounter: counter,
          tempReadCap: res.tempReadCap,
          tempCursor: res.tempReadCap.slice(32),
          resumeCursor: outcome.nextIndex,
          reassembly: tr.state,
        },
      };
      // The cursor stays on the 'I' box until the message is complete: on restart the transfer
      // resumes, and nothing later on this stream is shown before it (order within a stream).
      await ctx.state.commit(next, 0);
      return { urgent: true };
    }
    case 'message': {
      const emitted = await emitMessage(ctx, m, counter, res.cbor);
      await ctx.state.commit(base, emitted);
      return { urgent: false };
    }
  }
}

async function onTempBox(ctx: ReaderContext, m: MemberRecord, outcome: ReadOutcome & { kind: 'box' | 'tombstone' }): Promise<{ urgent: boolean }> {
  const t = m.transfer!;
  const { transfer: _t, ...rest } = m;
  const done: MemberRecord = { ...rest, cursor: t.resumeCursor };
  if (outcome.kind === 'tombstone') {
    // The temp stream was deleted under us: the message cannot complete.
    await emitBoxError(ctx, m.memberKey, t.pointerCounter, 'stream_finished', 'temp stream box is a tombstone; large message lost');
    await ctx.state.commit(done, 0);
    return { urgent: false };
  }
  const r = StreamReassembler.restore(t.reassembly, ctx.capCheck ? { capCheck: ctx.capCheck } : {});
  const res = r.feed(outcome.plaintext);
  switch (res.kind) {
    case 'partial':
      await ctx.state.commit({ ...m, transfer: { ...t, tempCursor: outcome.nextIndex, reassembly: r.state } }, 0);
      return { urgent: true };
    case 'message': {
      const emitted = await emitMessage(ctx, m, t.pointerCounter, res.cbor);
      await ctx.state.commit(done, emitted);
      return { urgent: false };
    }
    case 'pointer': // never on a temp stream: the reassembler rejects it
    case 'rejected': {
      const err = res.kind === 'rejected' ? res.error : undefined;
      await emitBoxError(ctx, m.memberKey, t.pointerCounter, err?.code ?? 'unexpected_pointer', err?.message ?? 'pointer on temp stream');
      await ctx.state.commit(done, 0);
      return { urgent: false };
    }
  }
}

async function emitBoxError(ctx: ReaderContext, member: MemberKey, counter: string, code: WireErrorCode, detail: string): Promise<void> {
  await ctx.emit({ type: 'box_error', groupId: ctx.state.id, member, counter, code, detail });
}

/** Decodes one assembled chain and emits its events; returns how many took an arrival seq. */
async function emitMessage(ctx: ReaderContext, m: MemberRecord, counter: string, cbor: Uint8Array): Promise<number> {
  const { state } = ctx;
  const decoded = tryDecodeGroupChatMessage(cbor, {
    expectedMembershipHash: state.membershipHash(),
    ...(ctx.capCheck ? { capCheck: ctx.capCheck } : {}),
  });
  if (!decoded.ok) {
    await emitBoxError(ctx, m.memberKey, counter, decoded.error.code, decoded.error.message);
    return 0;
  }
  const d: DecodedMessage = decoded.value;
  const msg = d.message;
  let seq = state.nextSeq();
  const base = { groupId: state.id, member: m.memberKey, displayName: m.displayName, counter, membership: d.membership };
  let n = 0;
  if (d.membership === 'mismatch') {
    await ctx.emit({ ...base, type: 'membership_mismatch', seq: seq++ });
    n++;
  }
  switch (msg.msgType) {
    case MsgType.TEXT:
      await ctx.emit({ ...base, type: 'text', seq, text: msg.text ?? '', ...(msg.bridge ? { bridge: msg.bridge } : {}) });
      break;
    case MsgType.FILE_UPLOAD: {
      const f = msg.fileUpload!;
      await ctx.emit({ ...base, type: 'file', seq, filetype: f.filetype, basename: f.basename, payload: f.payload });
      break;
    }
    case MsgType.INTRODUCTION: {
      // [N]: an INTRODUCTION from a member adds the introduced member (wire §1.5, §2).
      const intro = msg.introduction!;
      const added = await state.addMember(intro.displayName, intro.readCap, 'introduction', ctx.nowMs());
      await ctx.emit({ ...base, type: 'introduction', seq, introduced: memberKeyOf(intro.readCap), introducedName: intro.displayName, added: !!added });
      if (added) await ctx.emit({ type: 'member_added', groupId: state.id, member: added.memberKey, displayName: added.displayName, source: 'introduction' });
      break;
    }
    default:
      await ctx.emit({ ...base, type: 'other', seq, msgType: msg.msgType });
  }
  return n + 1;
}
