import type { FrontendEventId, FrontendRoomId, FrontendUserId, GhostId, TransactionId } from '../ids/index.js';
import type { Frontend, FrontendMessage, RoomInfo } from './frontend.js';

/**
 * Optional frontend capabilities (STYLE.md §1: mautrix's optional *NetworkAPI interfaces, detected
 * by type assertion). A frontend implements the ones its network has; the core checks with the
 * guards below and, when one is absent, uses the fallback documented on it (fallbacks.ts). An
 * absent capability never means silence.
 */

/** Fallback: the message is posted as a normal message starting with a quote line naming the
 *  author and an excerpt of the message replied to. */
export interface ReplyCapable {
  postReply(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, replyTo: FrontendEventId, txnId: TransactionId): Promise<FrontendEventId>;
}

/** Fallback: the new text is posted as a new message prefixed "* " and suffixed " (edited)". */
export interface EditCapable {
  postEdit(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, target: FrontendEventId, txnId: TransactionId): Promise<FrontendEventId>;
}

/** Fallback: an emote-kind message "reacted KEY to: excerpt". The group chat wire has no reactions
 *  today (wire §1.5), so reactions from the group arrive as such emotes and this is not called
 *  yet; a frontend user's reaction goes the other way through BridgeCoreApi.userReaction. */
export interface ReactionCapable {
  postReaction(room: FrontendRoomId, ghost: GhostId, target: FrontendEventId, key: string, txnId: TransactionId): Promise<FrontendEventId>;
}

export interface FileToShow {
  readonly basename: string;
  readonly filetype: string;
  readonly bytes: Uint8Array;
}

/** Fallback: a notice naming the sender, file name, type and size, saying this room cannot
 *  show files. */
export interface FileCapable {
  postFile(room: FrontendRoomId, ghost: GhostId, file: FileToShow, txnId: TransactionId): Promise<FrontendEventId>;
}

/** Fallback: `create` makes the group only and tells the admin to `link` it to a room. */
export interface RoomCreateCapable {
  createRoom(info: RoomInfo): Promise<FrontendRoomId>;
}

/** Delivery status (issue 6): told when a user's message reached Katzenpost (the courier
 *  acknowledged the write). Fallback: nothing is shown for success; a failure always gets a notice
 *  next to the message (outbound.ts). */
export interface DeliveryStatusCapable {
  markDelivered(room: FrontendRoomId, event: FrontendEventId): Promise<void>;
}

/** Told an admin's decision on a frontend user's join request, so a user waiting outside the room
 *  (a Matrix knock) is let in or turned away. Fallback: nothing; the room's notices say it. */
export interface JoinDecisionCapable {
  joinDecided(room: FrontendRoomId, user: FrontendUserId, approved: boolean): Promise<void>;
}

const has = (f: object, method: string): boolean => typeof (f as Record<string, unknown>)[method] === 'function';

export const isReplyCapable = (f: Frontend): f is Frontend & ReplyCapable => has(f, 'postReply');
export const isEditCapable = (f: Frontend): f is Frontend & EditCapable => has(f, 'postEdit');
export const isReactionCapable = (f: Frontend): f is Frontend & ReactionCapable => has(f, 'postReaction');
export const isFileCapable = (f: Frontend): f is Frontend & FileCapable => has(f, 'postFile');
export const isRoomCreateCapable = (f: Frontend): f is Frontend & RoomCreateCapable => has(f, 'createRoom');
export const isDeliveryStatusCapable = (f: Frontend): f is Frontend & DeliveryStatusCapable => has(f, 'markDelivered');
export const isJoinDecisionCapable = (f: Frontend): f is Frontend & JoinDecisionCapable => has(f, 'joinDecided');
