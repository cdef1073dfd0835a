import { composeBridgedText, safeBasename, type GroupChatEngine, type GroupEvent, type MessageRef as WireRef, type OutgoingMessage } from '../groupchat/index.js';
import { asBoxCounter, asMemberId, type BoxCounter, type GroupId, type MemberId } from '../ids/index.js';
import { groupSendFailure } from './group-failure.js';
import type { GroupInbound, GroupOutgoing, GroupSide, MessageRef, PuppetStream } from './group-side.js';

/**
 * GroupSide over the group chat engine (issue 4), and the translation of its events into the
 * core's GroupInbound. Member ids are the engine's MemberKeys (hex of read_cap[0:32], wire §1.1)
 * and counters its decimal u64 strings, so both carry over unchanged.
 *
 * A bridged user writes through a puppet stream of their own (DESIGN.md §3 "Per-user streams"):
 * the engine makes it, introduces it from the bridge's stream and never reads it back.
 *
 * Emotes: the wire has no emote (wire §1.5), so one travels as text starting with "/me ", which a
 * katzenqt user reads as meant, and such a text from the group comes back as an emote.
 */

const EMOTE_PREFIX = '/me ';

export class EngineGroupSide implements GroupSide {
  constructor(private readonly engine: GroupChatEngine) {}

  async createGroup(groupId: GroupId, selfName: string): Promise<void> {
    await this.engine.createGroup(groupId, selfName);
  }

  async members(groupId: GroupId): Promise<ReadonlyArray<{ member: MemberId; displayName: string }>> {
    return this.engine
      .group(groupId)
      .members()
      .filter((m) => m.active)
      .map((m) => ({ member: asMemberId(m.memberKey), displayName: m.displayName }));
  }

  async newPuppetStream(groupId: GroupId, displayName: string): Promise<PuppetStream> {
    const s = await this.engine.createPuppetStream(groupId, displayName);
    return { member: asMemberId(s.memberKey), writeCap: s.writeCap };
  }

  /** A daemon verdict that is final (box already written by someone else, tombstone, too large,
   *  …) rejects with a final DeliveryError (group-failure.ts); other errors pass unchanged and
   *  are retried. The engine's stream state is left as it was (sender.ts writeBox). */
  async sendAs(groupId: GroupId, stream: PuppetStream, message: GroupOutgoing): Promise<{ counter: BoxCounter }> {
    try {
      const res = await this.engine.sendAs(groupId, stream.writeCap, toOutgoing(message), message.msgId);
      return { counter: asBoxCounter(res.counter) };
    } catch (e) {
      throw groupSendFailure(e);
    }
  }

  requestInduction(groupId: GroupId, voucherText: string): Promise<string> {
    return this.engine.requestInduction(groupId, voucherText);
  }

  async approveJoin(groupId: GroupId, engineRef: string, displayName: string): Promise<{ member: MemberId }> {
    const m = await this.engine.approveJoin(groupId, engineRef, displayName);
    return { member: asMemberId(m.memberKey) };
  }

  denyJoin(groupId: GroupId, engineRef: string): Promise<void> {
    return this.engine.denyJoin(groupId, engineRef);
  }

  mintVoucher(groupId: GroupId, selfName: string): Promise<string> {
    return this.engine.mintVoucher(groupId, selfName);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const wireRef = (r: MessageRef): WireRef => ({ author: new Uint8Array(Buffer.from(r.member, 'hex')), boxCounter: BigInt(r.counter) });

/** The wire message for what a bridged user sent: the text keeps a readable form for katzenqt
 *  (an edit starts with "* ", wire extensions.ts) and the references ride in x-bridge keys. */
export function toOutgoing(m: GroupOutgoing): OutgoingMessage {
  if (m.kind === 'file') return { kind: 'file', file: { payload: m.bytes, filetype: m.filetype, basename: safeBasename(m.basename) } };
  const body = m.emote ? EMOTE_PREFIX + m.text : m.text;
  const { text, bridge } = composeBridgedText({ body, msgId: m.msgId, ...(m.editOf ? { editOf: wireRef(m.editOf) } : {}) });
  // No quote in the fallback: the core names the message replied to, not its text.
  return { kind: 'text', text, bridge: { ...bridge, ...(m.replyTo ? { replyTo: wireRef(m.replyTo) } : {}) } };
}

function ref(r: { author?: Uint8Array; boxCounter?: bigint } | undefined): MessageRef | undefined {
  if (!r?.author || r.author.length !== 32 || r.boxCounter === undefined) return undefined;
  return { member: asMemberId(hex(r.author)), counter: asBoxCounter(r.boxCounter.toString()) };
}

/** The core's view of an engine event; undefined for events the core does not act on (box
 *  errors, sends, membership mismatches: the engine reports those itself). */
export function toGroupInbound(e: GroupEvent): GroupInbound | undefined {
  const groupId = e.groupId as string as GroupId;
  switch (e.type) {
    case 'text': {
      const replyTo = ref(e.bridge?.replyTo);
      const editOf = ref(e.bridge?.editOf);
      // x-bridge-body-at: the bytes before it are a fallback for katzenqt readers; show the body.
      const body = e.bridge?.bodyAt !== undefined ? Buffer.from(e.text, 'utf8').subarray(e.bridge.bodyAt).toString('utf8') : e.text;
      const emote = body.startsWith(EMOTE_PREFIX) && body.length > EMOTE_PREFIX.length;
      return {
        type: 'text',
        groupId,
        member: asMemberId(e.member),
        counter: asBoxCounter(e.counter),
        displayName: e.displayName,
        text: emote ? body.slice(EMOTE_PREFIX.length) : body,
        ...(emote ? { emote: true } : {}),
        ...(e.bridge?.senderName ? { senderName: e.bridge.senderName } : {}),
        ...(replyTo ? { replyTo } : {}),
        ...(editOf ? { editOf } : {}),
      };
    }
    case 'file':
      return { type: 'file', groupId, member: asMemberId(e.member), counter: asBoxCounter(e.counter), displayName: e.displayName, basename: e.basename, filetype: e.filetype, bytes: e.payload };
    case 'member_added':
      return { type: 'member_added', groupId, member: asMemberId(e.member), displayName: e.displayName };
    case 'join_request':
      return { type: 'join_request', groupId, engineRef: e.requestId, requestedName: e.requestedName };
    case 'join_request_failed':
      return { type: 'join_request_failed', groupId, engineRef: e.requestId, detail: `code ${e.code}` };
    case 'joined':
      return { type: 'joined', groupId, members: e.members };
    default:
      return undefined;
  }
}
