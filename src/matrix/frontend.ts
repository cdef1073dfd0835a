import {
  DeliveryError,
  silentLogger,
  type BridgeLogger,
  type EditCapable,
  type FileCapable,
  type FileToShow,
  type Frontend,
  type FrontendMessage,
  type GhostProfile,
  type ReplyCapable,
  type RoomCreateCapable,
  type DeliveryStatusCapable,
  type JoinDecisionCapable,
  type RoomInfo,
} from '../bridge/index.js';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, asTransactionId, type FrontendEventId, type FrontendId, type FrontendRoomId, type FrontendUserId, type GhostId, type TransactionId } from '../ids/index.js';
import type { BridgePort, IntentPort } from './appservice-port.js';
import { deliveryErrorOf, httpFailureOf } from './errors.js';
import { editContent, fileContent, messageContent, noticeContent, replyContent, safeFileName, safeMimeType, type MatrixContent } from './matrix-content.js';
import { ghostUserId, type MatrixNames } from './matrix-ids.js';
import type { MatrixState } from './matrix-state.js';

/**
 * The Matrix side of the bridge core's Frontend contract (bridge/frontend.ts), with the
 * capabilities Matrix has natively: replies, edits and creating rooms. Ghosts post as their own
 * `@kp_...` users; the bridge's own notices come from the bot. Every post uses the core's
 * transaction id as the Matrix transaction id, so a post repeated after a restart is deduplicated
 * by the homeserver (client-server API "Transaction identifiers") instead of shown twice.
 */

export const MATRIX_FRONTEND_ID: FrontendId = asFrontendId('matrix');

/** At most one delivery-status read receipt per room in this long. Each receipt is a request the
 *  homeserver handles beside the users' own sends: one per message doubled the requests a user
 *  typing into a portal costs Synapse (bench:matrix, one at a time). A receipt marks "read up to
 *  here", so the latest covers every message before it; the sender sees it within this delay. */
export const RECEIPT_INTERVAL_MS = 1_000;

export interface MatrixFrontendOptions {
  readonly bridge: BridgePort;
  readonly state: MatrixState;
  readonly names: MatrixNames;
  /** Matrix users invited to (and made admins of) rooms the bridge creates: config bridge.admins. */
  readonly admins: readonly string[];
  /** m.federate of rooms the bridge creates. False by default (issue 6 "privacy by default"). */
  readonly federate?: boolean;
  /** Join rule of rooms the bridge creates: invite (default) or knock (users ask; admins approve). */
  readonly joinRule?: 'invite' | 'knock';
  readonly log?: BridgeLogger;
  /** RECEIPT_INTERVAL_MS unless set (tests). */
  readonly receiptIntervalMs?: number;
}

/** Posted where the bot may not set name and topic. */
export const ROOM_INFO_FORBIDDEN =
  "This room is now linked to a Katzenpost group, but I may not change its name and topic to follow the group's. " +
  'Give me power level 50 (moderator) if they should follow it.';

const refusedInEncrypted = (): DeliveryError =>
  new DeliveryError('frontend_rejected', { retriable: false, userLine: 'this room is encrypted, which the bridge cannot serve', detail: 'room is encrypted' });

export class MatrixFrontend implements Frontend, ReplyCapable, EditCapable, FileCapable, RoomCreateCapable, DeliveryStatusCapable, JoinDecisionCapable {
  readonly id = MATRIX_FRONTEND_ID;
  readonly networkLabel = 'matrix';
  private readonly ghostUsers = new Map<GhostId, string>();
  /** Rooms with a read receipt on its way (or waiting for its turn), and the newest event to
   *  mark next. */
  private readonly receipts = new Map<FrontendRoomId, { next?: FrontendEventId }>();
  /** When the last receipt went to each room (bounded by the number of portal rooms). */
  private readonly lastReceiptAtMs = new Map<FrontendRoomId, number>();
  /** Display name last set per ghost user in this process; a restart sets each once again. */
  private readonly shownNames = new Map<string, string>();
  private readonly log: BridgeLogger;

  constructor(private readonly o: MatrixFrontendOptions) {
    this.log = o.log ?? silentLogger;
  }

  get botUserId(): string {
    return this.o.bridge.getIntent().userId;
  }

  async ensureGhost(room: FrontendRoomId, ghost: GhostProfile): Promise<void> {
    if (await this.o.state.isEncrypted(room)) throw refusedInEncrypted();
    const userId = ghostUserId(this.o.names, ghost.groupId, ghost.ghostId);
    const intent = this.o.bridge.getIntent(userId);
    try {
      await this.o.state.setGhostUser(ghost.ghostId, userId);
      this.ghostUsers.set(ghost.ghostId, userId);
      await intent.ensureRegistered();
      // The name is set before joining so the join event already carries it.
      if (this.shownNames.get(userId) !== ghost.displayName) {
        await intent.setDisplayName(ghost.displayName);
        this.shownNames.set(userId, ghost.displayName);
      }
      await intent.join(room);
    } catch (e) {
      throw deliveryErrorOf(e, 'ensure_ghost');
    }
  }

  async postMessage(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, txnId: TransactionId): Promise<FrontendEventId> {
    return this.send(await this.ghostIntent(ghost), room, messageContent(message), txnId);
  }

  async postReply(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, replyTo: FrontendEventId, txnId: TransactionId): Promise<FrontendEventId> {
    return this.send(await this.ghostIntent(ghost), room, replyContent(message, replyTo), txnId);
  }

  async postEdit(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, target: FrontendEventId, txnId: TransactionId): Promise<FrontendEventId> {
    return this.send(await this.ghostIntent(ghost), room, editContent(message, target), txnId);
  }

  /** A Katzenpost file into the media repository, posted as the message type of its MIME type.
   *  The upload is not idempotent: a retry after a crash may leave an unused upload behind, but
   *  the message is still shown once (same transaction id). */
  async postFile(room: FrontendRoomId, ghost: GhostId, file: FileToShow, txnId: TransactionId): Promise<FrontendEventId> {
    if (await this.o.state.isEncrypted(room)) throw refusedInEncrypted();
    const intent = await this.ghostIntent(ghost);
    const name = safeFileName(file.basename);
    const mimetype = safeMimeType(file.filetype);
    let url: string;
    try {
      url = await intent.uploadContent(Buffer.from(file.bytes), { name, type: mimetype });
    } catch (e) {
      throw deliveryErrorOf(e, 'upload');
    }
    return this.send(intent, room, fileContent(url, name, mimetype, file.bytes.length), txnId);
  }

  async postNotice(room: FrontendRoomId, text: string, txnId: TransactionId, inReplyTo?: FrontendEventId): Promise<FrontendEventId> {
    return this.send(this.o.bridge.getIntent(), room, noticeContent(text, inReplyTo), txnId);
  }

  /** Also how the bot enters a room linked with `link`: it joins first (it must be invited). In
   *  a room where the bot may not change name and topic (an existing room, power level below
   *  the room's state_default), the link still works and the room is told what the bot needs. */
  async setRoomInfo(room: FrontendRoomId, info: RoomInfo): Promise<void> {
    const bot = this.o.bridge.getIntent();
    try {
      await bot.join(room);
    } catch (e) {
      throw deliveryErrorOf(e, 'join_room');
    }
    // Sent as plain state requests: the Intent's setRoomName would first try to raise the
    // bot's own power level and fail with an untyped error; the homeserver's 403 is clearer.
    const state = (type: string, content: MatrixContent): Promise<unknown> =>
      bot.matrixClient.doRequest('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/${type}/`, null, content);
    try {
      await state('m.room.name', { name: info.name });
      await state('m.room.topic', { topic: info.topic });
    } catch (e) {
      if (httpFailureOf(e).errcode !== 'M_FORBIDDEN') throw deliveryErrorOf(e, 'set_room_info');
      this.log.log('warn', 'matrix.room_info_forbidden', { room });
      await this.postNotice(room, ROOM_INFO_FORBIDDEN, asTransactionId(`kbm-roominfo-${Date.now()}`));
    }
  }

  /**
   * A private room for a new portal: invite-only (preset private_chat), not in the directory,
   * not federated unless configured, history visible to members only from when they were
   * invited, no guests. The bridge's Matrix admins are invited with power level 100, since the
   * core's `create` does not say who asked (bridge/capabilities.ts RoomCreateCapable).
   */
  async createRoom(info: RoomInfo): Promise<FrontendRoomId> {
    const bot = this.o.bridge.getIntent();
    const admins = this.o.admins.filter((a) => a.startsWith('@'));
    try {
      const { room_id } = await bot.createRoom({
        createAsClient: true,
        options: {
          name: info.name,
          topic: info.topic,
          preset: 'private_chat',
          visibility: 'private',
          invite: admins,
          creation_content: { 'm.federate': this.o.federate === true },
          initial_state: [
            { type: 'm.room.join_rules', state_key: '', content: { join_rule: this.o.joinRule ?? 'invite' } },
            { type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'invited' } },
            { type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
          ],
          power_level_content_override: { users: Object.fromEntries([[bot.userId, 100], ...admins.map((a) => [a, 100])]) },
        },
      });
      this.log.log('info', 'matrix.room_created', { room: room_id });
      return asFrontendRoomId(room_id);
    } catch (e) {
      throw deliveryErrorOf(e, 'create_room');
    }
  }

  private async ghostIntent(ghost: GhostId): Promise<IntentPort> {
    const userId = this.ghostUsers.get(ghost) ?? (await this.o.state.ghostUser(ghost));
    // The core ensures a ghost before its first post; a ghost unknown here means a store edited
    // by hand, and retrying would not help.
    if (!userId) throw new DeliveryError('frontend_rejected', { retriable: false, userLine: 'its sender is unknown here', detail: `ghost ${ghost} was never ensured` });
    return this.o.bridge.getIntent(userId);
  }

  /** An admin decided on a user's join request: one who knocked is invited, or their knock is
   *  turned away (a kick of a knocking user rejects the knock). A user not knocking (already in,
   *  or gone) is left as they are. */
  async joinDecided(room: FrontendRoomId, user: FrontendUserId, approved: boolean): Promise<void> {
    const bot = this.o.bridge.getIntent();
    let membership: unknown;
    try {
      membership = ((await bot.getStateEvent(room, 'm.room.member', user, true)) as { membership?: unknown } | null)?.membership;
    } catch (e) {
      throw deliveryErrorOf(e, 'membership');
    }
    if (membership !== 'knock') return;
    try {
      if (approved) await bot.invite(room, user);
      else {
        const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/kick`;
        await bot.matrixClient.doRequest('POST', path, null, { user_id: user, reason: 'An admin of this bridge declined the request to join the Katzenpost group.' });
      }
    } catch (e) {
      throw deliveryErrorOf(e, approved ? 'invite' : 'kick');
    }
  }

  /** Delivery status (issue 6): the bot's read receipt on the user's event once the message
   *  reached Katzenpost, so the sender sees the bridge "read" it. Receipts mark "read up to here",
   *  so a room gets at most one per receipt interval: newer events arriving while one is on its
   *  way or waiting collapse into the latest. The first after a quiet spell goes at once. */
  async markDelivered(room: FrontendRoomId, event: FrontendEventId): Promise<void> {
    const flight = this.receipts.get(room);
    if (flight) {
      flight.next = event;
      return;
    }
    const state: { next?: FrontendEventId } = { next: event };
    this.receipts.set(room, state);
    const intervalMs = this.o.receiptIntervalMs ?? RECEIPT_INTERVAL_MS;
    try {
      while (state.next !== undefined) {
        const waitMs = (this.lastReceiptAtMs.get(room) ?? -Infinity) + intervalMs - Date.now();
        if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
        const at = state.next;
        delete state.next;
        this.lastReceiptAtMs.set(room, Date.now());
        await this.sendReceipt(room, at);
      }
    } finally {
      this.receipts.delete(room);
    }
  }

  private async sendReceipt(room: FrontendRoomId, event: FrontendEventId): Promise<void> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/receipt/m.read/${encodeURIComponent(event)}`;
    try {
      await this.o.bridge.getIntent().matrixClient.doRequest('POST', path, null, {});
    } catch (e) {
      throw deliveryErrorOf(e, 'receipt');
    }
  }

  private async send(intent: IntentPort, room: FrontendRoomId, content: MatrixContent, txnId: TransactionId): Promise<FrontendEventId> {
    if (await this.o.state.isEncrypted(room)) throw refusedInEncrypted();
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${encodeURIComponent(txnId)}`;
    let res: unknown;
    try {
      res = await intent.matrixClient.doRequest('PUT', path, null, content);
    } catch (e) {
      // Not in the room (kicked, or the room was re-linked): join once and send again, with the
      // same transaction id, so a send that did get through is still shown once.
      if (httpFailureOf(e).errcode !== 'M_FORBIDDEN') throw deliveryErrorOf(e, 'send');
      try {
        await intent.join(room);
        res = await intent.matrixClient.doRequest('PUT', path, null, content);
      } catch (e2) {
        throw deliveryErrorOf(e2, 'send');
      }
    }
    const eventId = typeof res === 'object' && res !== null ? (res as { event_id?: unknown }).event_id : undefined;
    if (typeof eventId !== 'string' || eventId === '') {
      throw new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the Matrix homeserver gave an unusable answer', detail: 'send: no event_id in the response' });
    }
    return asFrontendEventId(eventId);
  }
}
