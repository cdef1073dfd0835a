import {
  DeliveryError,
  type EditCapable,
  type FileCapable,
  type FileToShow,
  type Frontend,
  type FrontendMessage,
  type GhostProfile,
  type ReplyCapable,
  type RoomCreateCapable, type DeliveryStatusCapable, type JoinDecisionCapable,
  type RoomInfo,
} from '../../src/bridge/index.js';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, type FrontendEventId, type FrontendId, type FrontendRoomId, type GhostId, type TransactionId } from '../../src/ids/index.js';

/**
 * An in-process frontend for bridge tests (STYLE.md §6: hand-written fakes implementing the
 * interface). It keeps what it was asked to show, per room, and behaves like a network that
 * honours transaction ids: a repeated txnId returns the first event and shows nothing new.
 * `failNext` makes the next posts fail (retriable or final); `down` fails every post retriably.
 */

export interface Shown {
  readonly room: FrontendRoomId;
  readonly eventId: FrontendEventId;
  readonly type: 'message' | 'notice' | 'reply' | 'edit' | 'file';
  readonly ghost?: GhostId;
  readonly kind?: FrontendMessage['kind'];
  readonly text: string;
  readonly replyTo?: FrontendEventId;
  readonly file?: FileToShow;
  readonly txnId: TransactionId;
}

export interface FakeFrontendOptions {
  readonly id?: string;
  readonly networkLabel?: string;
  readonly replies?: boolean;
  readonly edits?: boolean;
  readonly files?: boolean;
  readonly createRooms?: boolean;
  /** Record delivery status (DeliveryStatusCapable) in `delivered`. */
  readonly deliveryStatus?: boolean;
  /** Record join decisions (JoinDecisionCapable) in `decisions`. */
  readonly joinDecisions?: boolean;
}

export class FakeFrontend implements Frontend {
  readonly id: FrontendId;
  readonly networkLabel: string;
  readonly shown: Shown[] = [];
  readonly ghosts = new Map<GhostId, string>();
  readonly roomInfo = new Map<FrontendRoomId, RoomInfo>();
  /** Join decisions the core told (with the joinDecisions option). */
  readonly decisions: Array<{ room: FrontendRoomId; user: string; approved: boolean }> = [];
  /** Events the core said reached Katzenpost (with the deliveryStatus option). */
  readonly delivered: Array<{ room: FrontendRoomId; event: FrontendEventId }> = [];
  /** Every call that reached the fake, including failed and duplicate ones. */
  calls = 0;
  down = false;
  private failures: Array<{ retriable: boolean }> = [];
  private readonly byTxn = new Map<string, FrontendEventId>();
  private seq = 0;

  constructor(o: FakeFrontendOptions = {}) {
    this.id = asFrontendId(o.id ?? 'fake');
    this.networkLabel = o.networkLabel ?? 'fakenet';
    // Capabilities exist only when asked for, as own properties, so the core's type guards see them.
    const self = this as unknown as Record<string, unknown>;
    if (o.replies) self['postReply'] = ((room, ghost, m, to, txn) => this.record({ room, ghost, type: 'reply', kind: m.kind, text: m.text, replyTo: to }, txn)) satisfies ReplyCapable['postReply'];
    if (o.edits) self['postEdit'] = ((room, ghost, m, to, txn) => this.record({ room, ghost, type: 'edit', kind: m.kind, text: m.text, replyTo: to }, txn)) satisfies EditCapable['postEdit'];
    if (o.files) self['postFile'] = ((room, ghost, file, txn) => this.record({ room, ghost, type: 'file', text: file.basename, file }, txn)) satisfies FileCapable['postFile'];
    if (o.deliveryStatus) {
      self['markDelivered'] = (async (room, event) => {
        if (this.down) throw new Error('fake frontend is down');
        this.delivered.push({ room, event });
      }) satisfies DeliveryStatusCapable['markDelivered'];
    }
    if (o.joinDecisions) {
      self['joinDecided'] = (async (room, user, approved) => void this.decisions.push({ room, user, approved })) satisfies JoinDecisionCapable['joinDecided'];
    }
    if (o.createRooms) self['createRoom'] = (async (info) => {
      const room = asFrontendRoomId(`!room${++this.seq}`);
      this.roomInfo.set(room, info);
      return room;
    }) satisfies RoomCreateCapable['createRoom'];
  }

  failNext(n: number, retriable: boolean): void {
    for (let i = 0; i < n; i++) this.failures.push({ retriable });
  }

  async ensureGhost(_room: FrontendRoomId, g: GhostProfile): Promise<void> {
    this.ghosts.set(g.ghostId, g.displayName);
  }

  postMessage(room: FrontendRoomId, ghost: GhostId, m: FrontendMessage, txnId: TransactionId): Promise<FrontendEventId> {
    return this.record({ room, ghost, type: 'message', kind: m.kind, text: m.text }, txnId);
  }

  postNotice(room: FrontendRoomId, text: string, txnId: TransactionId, inReplyTo?: FrontendEventId): Promise<FrontendEventId> {
    return this.record({ room, type: 'notice', text, ...(inReplyTo ? { replyTo: inReplyTo } : {}) }, txnId);
  }

  async setRoomInfo(room: FrontendRoomId, info: RoomInfo): Promise<void> {
    this.roomInfo.set(room, info);
  }

  /** What a room shows, in order. */
  in(room: string): Shown[] {
    return this.shown.filter((s) => s.room === room);
  }

  texts(room: string): string[] {
    return this.in(room).map((s) => s.text);
  }

  private async record(s: Omit<Shown, 'eventId' | 'txnId'>, txnId: TransactionId): Promise<FrontendEventId> {
    this.calls++;
    await Promise.resolve();
    if (this.down) throw new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the network is unreachable' });
    const f = this.failures.shift();
    if (f) {
      throw new DeliveryError(f.retriable ? 'frontend_unavailable' : 'frontend_rejected', {
        retriable: f.retriable,
        userLine: f.retriable ? 'the network is unreachable' : 'the network refused it',
        detail: 'fake failure',
      });
    }
    const seen = this.byTxn.get(txnId);
    if (seen) return seen;
    const eventId = asFrontendEventId(`$${this.id}-${++this.seq}`);
    this.byTxn.set(txnId, eventId);
    this.shown.push({ ...s, eventId, txnId });
    return eventId;
  }
}
