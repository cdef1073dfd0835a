import type { BoxCounter, GroupId, MemberId } from '../ids/index.js';

/**
 * What the core needs from the group chat layer (DESIGN.md §3-4), as a narrow interface so the
 * core is given just this (STYLE.md §7.2) and tests can drive it. An adapter over the group chat
 * engine implements it; the engine's events are translated into `GroupInbound` and handed to
 * `BridgeCore.groupEvent`.
 */

/** A reference to a message in a group: the (stream, index) it was written at (wire §1.13). */
export interface MessageRef {
  readonly member: MemberId;
  readonly counter: BoxCounter;
}

/** A stream the bridge writes for a puppet. `writeCap` is secret (stored sealed, never logged). */
export interface PuppetStream {
  readonly member: MemberId;
  readonly writeCap: Uint8Array;
}

export type GroupOutgoing =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Stable per bridged event, so a resend after a crash is recognisable (x-bridge msg id). */
      readonly msgId: Uint8Array;
      readonly emote?: boolean;
      readonly replyTo?: MessageRef;
      readonly editOf?: MessageRef;
    }
  | { readonly kind: 'file'; readonly basename: string; readonly filetype: string; readonly bytes: Uint8Array; readonly msgId: Uint8Array };

export interface GroupSide {
  /** A new group with the bridge's own member as creator (wire §1.10 "Create"). */
  createGroup(groupId: GroupId, selfName: string): Promise<void>;
  /** The members the bridge's member knows, excluding itself. */
  members(groupId: GroupId): Promise<ReadonlyArray<{ readonly member: MemberId; readonly displayName: string }>>;
  /** A fresh stream for a puppet, introduced to the group by the bridge's own member with
   *  INTRODUCTION under `displayName`, and read like any member's. */
  newPuppetStream(groupId: GroupId, displayName: string): Promise<PuppetStream>;
  /** Writes one message to `stream` (a puppet's). Idempotent for the same msgId after a crash.
   *  Throws on failure; DeliveryError from message-status.ts says whether to retry. */
  sendAs(groupId: GroupId, stream: PuppetStream, message: GroupOutgoing): Promise<{ readonly counter: BoxCounter }>;
  /** Inductor: starts reading the voucher's box 0; a `join_request` event follows. Returns the
   *  engine's reference for the request (secret-ish: derived from the voucher; stored sealed). */
  requestInduction(groupId: GroupId, voucherText: string): Promise<string>;
  approveJoin(groupId: GroupId, engineRef: string, displayName: string): Promise<{ readonly member: MemberId }>;
  denyJoin(groupId: GroupId, engineRef: string): Promise<void>;
  /** Joiner: a new local group in 'joining' state and a voucher (text) for an existing member. */
  mintVoucher(groupId: GroupId, selfName: string): Promise<string>;
}

interface InboundBase {
  readonly groupId: GroupId;
}

/** What happened in a group, as the core needs it. Message events come at least once (the engine
 *  moves its cursor after the handler); the core dedups on (member, counter). */
export type GroupInbound =
  | (InboundBase & {
      readonly type: 'text';
      readonly member: MemberId;
      readonly counter: BoxCounter;
      readonly displayName: string;
      readonly text: string;
      readonly emote?: boolean;
      /** A relayed sender's name (x-bridge extension), shown instead of the member's. */
      readonly senderName?: string;
      readonly replyTo?: MessageRef;
      readonly editOf?: MessageRef;
    })
  | (InboundBase & {
      readonly type: 'file';
      readonly member: MemberId;
      readonly counter: BoxCounter;
      readonly displayName: string;
      readonly basename: string;
      readonly filetype: string;
      readonly bytes: Uint8Array;
    })
  | (InboundBase & { readonly type: 'member_added'; readonly member: MemberId; readonly displayName: string; readonly introducedBy?: MemberId })
  | (InboundBase & { readonly type: 'join_request'; readonly engineRef: string; readonly requestedName: string })
  | (InboundBase & { readonly type: 'join_request_failed'; readonly engineRef: string; readonly detail: string })
  | (InboundBase & { readonly type: 'joined'; readonly members: number });
