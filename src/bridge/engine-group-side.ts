import type { GroupChatEngine, GroupEvent } from '../groupchat/index.js';
import { asBoxCounter, asMemberId, type BoxCounter, type GroupId, type MemberId } from '../ids/index.js';
import type { GroupInbound, GroupOutgoing, GroupSide, MessageRef, PuppetStream } from './group-side.js';
import { DeliveryError } from './message-status.js';

/**
 * GroupSide over the group chat engine (issue 4), and the translation of its events into the
 * core's GroupInbound. Member ids are the engine's MemberKeys (hex of read_cap[0:32], wire §1.1)
 * and counters its decimal u64 strings, so both carry over unchanged.
 *
 * Puppet streams: the engine writes exactly one own stream per group, so a second stream per
 * bridged user (DESIGN.md §3 "Per-user streams") needs an engine operation that makes a stream,
 * adds it as a member, announces it with INTRODUCTION from the bridge's stream, and writes to it
 * with the same crash-safe pending-box rule as the own stream. Until the engine has it, it is
 * injected as `PuppetStreams`; without one, a bridged user's message fails with a final notice
 * saying so (never silently).
 */

export interface PuppetStreams {
  newPuppetStream(groupId: GroupId, displayName: string): Promise<PuppetStream>;
  sendAs(groupId: GroupId, stream: PuppetStream, message: GroupOutgoing): Promise<{ readonly counter: BoxCounter }>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class EngineGroupSide implements GroupSide {
  constructor(
    private readonly engine: GroupChatEngine,
    private readonly puppets?: PuppetStreams,
  ) {}

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

  newPuppetStream(groupId: GroupId, displayName: string): Promise<PuppetStream> {
    if (!this.puppets) throw noPuppets();
    return this.puppets.newPuppetStream(groupId, displayName);
  }

  sendAs(groupId: GroupId, stream: PuppetStream, message: GroupOutgoing): Promise<{ counter: BoxCounter }> {
    if (!this.puppets) throw noPuppets();
    return this.puppets.sendAs(groupId, stream, message);
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

function noPuppets(): DeliveryError {
  return new DeliveryError('not_a_member', {
    retriable: false,
    userLine: 'this bridge cannot give bridged users their own stream yet, so the group cannot receive it',
    detail: 'EngineGroupSide: no PuppetStreams given (the engine has no per-user stream operation)',
  });
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
      const text = e.bridge?.bodyAt !== undefined ? Buffer.from(e.text, 'utf8').subarray(e.bridge.bodyAt).toString('utf8') : e.text;
      return {
        type: 'text',
        groupId,
        member: asMemberId(e.member),
        counter: asBoxCounter(e.counter),
        displayName: e.displayName,
        text,
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
