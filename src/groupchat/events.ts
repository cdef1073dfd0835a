import type { BridgeExtensions, MembershipCheck, WireErrorCode } from './wire/index.js';
import type { GroupId, MemberKey } from './types.js';

/**
 * What the engine reports, one typed event per thing that happened. Message events carry
 * `(member, counter)`: the stream and box index they were read from, the dedup key of wire §1.13
 * ("key dedup on (member read-cap key, box counter)"); for a large message, the counter of its
 * 'I' box. `seq` is the group's arrival counter: arrival order across streams (§1.13).
 * Delivery is at least once: the handler runs before the cursor moves, so after a crash the same
 * (member, counter) may come again; consumers dedup on it.
 */
interface MessageBase {
  readonly groupId: GroupId;
  readonly member: MemberKey;
  readonly displayName: string;
  /** Box counter as a decimal string (u64; JSON-safe). */
  readonly counter: string;
  readonly seq: number;
  /** How the sender's membership_hash compares with ours (advisory, wire §1.8). */
  readonly membership: MembershipCheck;
}

export type GroupEvent =
  | (MessageBase & { readonly type: 'text'; readonly text: string; readonly bridge?: BridgeExtensions })
  | (MessageBase & {
      readonly type: 'file';
      readonly filetype: string;
      /** Raw basename; pass through safeBasename() before using it as a file name. */
      readonly basename: string;
      readonly payload: Uint8Array;
    })
  | (MessageBase & {
      readonly type: 'introduction';
      readonly introduced: MemberKey;
      readonly introducedName: string;
      /** false: already a member, or ourselves (wire §2: dedupe by root key, skip self). */
      readonly added: boolean;
    })
  /** Types we carry but do not interpret (WHO, REPLY_WHO, tallies). */
  | (MessageBase & { readonly type: 'other'; readonly msgType: number })
  /** A message whose membership_hash differs from ours: reported, the message is still delivered
   *  (wire §1.8, §2). Emitted just before the message's own event. */
  | (MessageBase & { readonly type: 'membership_mismatch' })
  /** One box or one message could not be used; recorded, the cursor moved on (wire notes). */
  | {
      readonly type: 'box_error';
      readonly groupId: GroupId;
      readonly member: MemberKey;
      readonly counter: string;
      readonly code: WireErrorCode;
      readonly detail: string;
    }
  | { readonly type: 'member_added'; readonly groupId: GroupId; readonly member: MemberKey; readonly displayName: string; readonly source: string }
  /** Box 0 of a voucher stream was read: someone asks to join (approve / deny / rename). */
  | { readonly type: 'join_request'; readonly groupId: GroupId; readonly requestId: string; readonly requestedName: string }
  | { readonly type: 'join_request_failed'; readonly groupId: GroupId; readonly requestId: string; readonly code: number; readonly detail: string }
  /** We inducted someone: sealed reply written, member added, INTRODUCTION sent. */
  | { readonly type: 'inducted'; readonly groupId: GroupId; readonly requestId: string; readonly member: MemberKey; readonly displayName: string }
  /** Our voucher was answered: we switched to the mutated write cap and added every member. */
  | { readonly type: 'joined'; readonly groupId: GroupId; readonly members: number }
  | { readonly type: 'join_failed'; readonly groupId: GroupId; readonly code: number; readonly detail: string }
  /** Our own message reached a courier (all boxes ACKed; for a large one, the 'I' box too). */
  /** A message reached a courier: on our own stream, or on a puppet stream (`member` set). */
  | { readonly type: 'sent'; readonly groupId: GroupId; readonly counter: string; readonly boxes: number; readonly member?: MemberKey };

export type GroupEventHandler = (event: GroupEvent) => void | Promise<void>;
