import type { FrontendEventId, FrontendId, FrontendRoomId, FrontendUserId, GhostId, GroupId, TransactionId } from '../ids/index.js';

/**
 * The contract between the bridge core and a frontend (DESIGN.md §4; STYLE.md §1 after mautrix
 * bridgev2's networkinterface.go). `Frontend` is what every frontend must do; what only some can
 * do (edits, replies, reactions, files, creating rooms) lives in capabilities.ts, detected by type
 * guards, each with a documented fallback. This file names no chat network.
 *
 * Calls from the core come from one ordered queue per portal room (delivery-queue.ts): a frontend
 * never sees two posts for one room at the same time, and sees them in group arrival order.
 */

/** How a ghost looks on the frontend. `displayName` is sanitised and disambiguated (ghost.ts). */
export interface GhostProfile {
  readonly ghostId: GhostId;
  readonly groupId: GroupId;
  readonly displayName: string;
}

export type TextKind = 'text' | 'notice' | 'emote';

/** A message's readable form; plain text, any formatting already reduced to text. */
export interface FrontendMessage {
  readonly kind: TextKind;
  readonly text: string;
}

export interface RoomInfo {
  readonly name: string;
  readonly topic: string;
}

export interface Frontend {
  /** Stable across restarts: it keys stored rows (ids/index.ts FrontendId). */
  readonly id: FrontendId;
  /** Short label of the network the users are on, for the puppet display-name template's
   *  `{network}` (config bridge.puppet_display_name). */
  readonly networkLabel: string;

  /** Makes the ghost exist with this display name (create or rename). Idempotent; called before a
   *  ghost's first post in a room and whenever its shown name changes. */
  ensureGhost(room: FrontendRoomId, ghost: GhostProfile): Promise<void>;

  /** Shows `message` in `room` as `ghost`. A call repeated with the same `txnId` (after a restart)
   *  must not show the message twice where the network can prevent that. Throws DeliveryError
   *  (message-status.ts) on failure; anything else thrown counts as a retriable failure. */
  postMessage(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, txnId: TransactionId): Promise<FrontendEventId>;

  /** Shows a notice from the bridge itself (introductions, join requests, failures). `inReplyTo`
   *  places it next to the message it is about, where the network can; otherwise the text says
   *  which message it is about. Same txnId rule as postMessage. */
  postNotice(room: FrontendRoomId, text: string, txnId: TransactionId, inReplyTo?: FrontendEventId): Promise<FrontendEventId>;

  /** Sets the room's name and topic to follow the group. */
  setRoomInfo(room: FrontendRoomId, info: RoomInfo): Promise<void>;
}

// ---- what a frontend calls on the core -------------------------------------------------------

export interface FrontendUser {
  readonly userId: FrontendUserId;
  /** The user's display name on the frontend, unsanitised; the core sanitises it. */
  readonly displayName: string;
}

/** A file a user sent, already fetched by the frontend (size checked against max_file_bytes by
 *  the core). */
export interface FrontendFile {
  readonly basename: string;
  readonly filetype: string;
  readonly bytes: Uint8Array;
}

export interface UserMessage {
  readonly frontend: FrontendId;
  readonly room: FrontendRoomId;
  /** The outbound dedup key (with `frontend`): the same event delivered twice is queued once. */
  readonly eventId: FrontendEventId;
  readonly sender: FrontendUser;
  readonly message: FrontendMessage;
  readonly replyTo?: FrontendEventId;
  readonly editOf?: FrontendEventId;
  readonly file?: FrontendFile;
}

/** A reaction to a message. The group chat wire has no reactions, so it is bridged as an emote,
 *  "reacted KEY to: excerpt", replying to the message (fallbacks.ts reactionFallback). */
export interface UserReaction {
  readonly frontend: FrontendId;
  readonly room: FrontendRoomId;
  /** The reaction's own event id: its outbound dedup key. */
  readonly eventId: FrontendEventId;
  readonly sender: FrontendUser;
  readonly target: FrontendEventId;
  readonly key: string;
}

/** Who typed an admin command. `adminIdentity` is the identity the frontend has verified for the
 *  caller in the form config bridge.admins uses; the core compares it with that list. A frontend
 *  that cannot verify an identity leaves it undefined, and the caller is treated as no admin. */
export interface CommandCaller {
  readonly frontend: FrontendId;
  readonly userId: FrontendUserId;
  readonly adminIdentity?: string;
  /** The portal room the command was typed in, if any (its group is then the default). */
  readonly room?: FrontendRoomId;
}

/** The answer to a command, for the frontend to show the caller. `private`: it carries something
 *  the caller must keep (a voucher); show it only to the caller and never log it. */
export interface CommandReply {
  readonly ok: boolean;
  readonly text: string;
  readonly private?: boolean;
}

/** What the core offers frontends. Each call returns once the event is durably queued (or
 *  refused), never after a slow network operation. */
export interface BridgeCoreApi {
  userMessage(event: UserMessage): Promise<void>;
  userReaction(event: UserReaction): Promise<void>;
  /** A user deleted their message. Boxes cannot be taken back (BACAP boxes are write-once), so
   *  the user gets a notice saying the group still has it. */
  userRedaction(frontend: FrontendId, room: FrontendRoomId, eventId: FrontendEventId): Promise<void>;
  userJoined(frontend: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void>;
  /** A user asks to enter a portal room (Matrix knock): a join request like a voucher's; the
   *  frontend hears the decision through JoinDecisionCapable. */
  userKnocked(frontend: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void>;
  userLeft(frontend: FrontendId, room: FrontendRoomId, user: FrontendUserId): Promise<void>;
  /** `text` may carry a voucher (`induct`): frontends must not log command lines. */
  adminCommand(caller: CommandCaller, text: string): Promise<CommandReply>;
}
