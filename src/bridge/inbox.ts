import type { Database } from '../store/index.js';
import { asTransactionId, type BoxCounter, type FrontendEventId, type FrontendId, type FrontendRoomId, type GroupId, type MemberId, type TransactionId } from '../ids/index.js';
import type { TextKind } from './frontend.js';

/**
 * The durable inbox (group -> frontends), DESIGN.md §4. A message is stored once per
 * (stream, index): its dedup key is 'm:<member>:<counter>', so the engine's at-least-once events
 * never show twice; bridge notices use 'n:<what>'. Each message gets one delivery row per
 * frontend, with its own state, attempts and the event id it was shown as; the transaction id is
 * derived from the row ids, so a retry after a restart reuses it.
 */

export type InboundBody =
  | {
      readonly t: 'msg';
      readonly member: MemberId;
      readonly counter: BoxCounter;
      readonly kind: TextKind;
      readonly text: string;
      readonly senderName?: string;
      readonly replyTo?: string;
      readonly editOf?: string;
    }
  | { readonly t: 'file'; readonly member: MemberId; readonly counter: BoxCounter; readonly basename: string; readonly filetype: string }
  | { readonly t: 'notice'; readonly text: string; readonly inReplyTo?: FrontendEventId };

export interface Delivery {
  readonly inboxId: number;
  readonly groupId: GroupId;
  readonly frontend: FrontendId;
  readonly room: FrontendRoomId;
  readonly dedupKey: string;
  readonly body: InboundBody;
  readonly file?: Uint8Array;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly txnId: TransactionId;
  /** When the group message was stored (delivery latency counts from here). */
  readonly createdAtMs: number;
}

interface DeliveryRow {
  inbox_id: number;
  group_id: string;
  frontend: string;
  room_id: string;
  dedup_key: string;
  body: string;
  file: Uint8Array | null;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

export const messageKey = (member: MemberId, counter: BoxCounter): string => `m:${member}:${counter}`;

const txnOf = (inboxId: number, frontend: FrontendId): TransactionId => asTransactionId(`kb-${inboxId}-${frontend.replace(/[^A-Za-z0-9_-]/g, '_')}`);

export class InboxStore {
  constructor(private readonly db: Database) {}

  /**
   * Stores a message and its deliveries in one transaction. Returns false if the dedup key was
   * stored before (nothing changes then).
   */
  add(groupId: GroupId, dedupKey: string, body: InboundBody, targets: ReadonlyArray<{ frontend: FrontendId; room: FrontendRoomId }>, nowMs: number, file?: Uint8Array): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.run('INSERT OR IGNORE INTO bridge_inbox (group_id, dedup_key, body, file, created_at) VALUES (?, ?, ?, ?, ?)', [groupId, dedupKey, JSON.stringify(body), file ?? null, nowMs]);
      if (r.changes !== 1) return false;
      for (const t of targets) await tx.run('INSERT INTO bridge_deliveries (inbox_id, frontend, room_id) VALUES (?, ?, ?)', [r.lastId, t.frontend, t.room]);
      return true;
    });
  }

  /** The head of one room's queue: its oldest pending delivery. */
  async head(frontend: FrontendId, room: FrontendRoomId): Promise<Delivery | undefined> {
    const r = await this.db.get<DeliveryRow>(
      `SELECT d.inbox_id, i.group_id, d.frontend, d.room_id, i.dedup_key, i.body, i.file, d.attempts, d.next_attempt_at, i.created_at
       FROM bridge_deliveries d JOIN bridge_inbox i ON i.id = d.inbox_id
       WHERE d.frontend = ? AND d.room_id = ? AND d.state = 'pending' ORDER BY d.inbox_id LIMIT 1`,
      [frontend, room],
    );
    if (!r) return undefined;
    return {
      inboxId: r.inbox_id,
      groupId: r.group_id as GroupId,
      frontend: r.frontend as FrontendId,
      room: r.room_id as FrontendRoomId,
      dedupKey: r.dedup_key,
      body: JSON.parse(r.body) as InboundBody,
      ...(r.file ? { file: new Uint8Array(r.file) } : {}),
      attempts: r.attempts,
      nextAttemptAtMs: r.next_attempt_at,
      txnId: txnOf(r.inbox_id, r.frontend as FrontendId),
      createdAtMs: r.created_at,
    };
  }

  /** Deliveries waiting per group, for the queue-depth gauge. */
  async depthByGroup(): Promise<Array<{ groupId: GroupId; n: number }>> {
    const rows = await this.db.all<{ group_id: string; n: number }>(
      "SELECT i.group_id, COUNT(*) AS n FROM bridge_deliveries d JOIN bridge_inbox i ON i.id = d.inbox_id WHERE d.state = 'pending' GROUP BY i.group_id",
    );
    return rows.map((r) => ({ groupId: r.group_id as GroupId, n: r.n }));
  }

  /** Every (frontend, room) with pending deliveries: the queues to resume after a restart. */
  async pendingRooms(): Promise<Array<{ frontend: FrontendId; room: FrontendRoomId }>> {
    return (await this.db.all<{ frontend: string; room_id: string }>("SELECT DISTINCT frontend, room_id FROM bridge_deliveries WHERE state = 'pending'")).map((r) => ({
      frontend: r.frontend as FrontendId,
      room: r.room_id as FrontendRoomId,
    }));
  }

  async markDelivered(inboxId: number, frontend: FrontendId, eventId: FrontendEventId): Promise<void> {
    await this.db.run("UPDATE bridge_deliveries SET state = 'delivered', event_id = ?, last_error = NULL WHERE inbox_id = ? AND frontend = ?", [eventId, inboxId, frontend]);
  }

  async markFailed(inboxId: number, frontend: FrontendId, cause: string): Promise<void> {
    await this.db.run("UPDATE bridge_deliveries SET state = 'failed', last_error = ? WHERE inbox_id = ? AND frontend = ?", [cause, inboxId, frontend]);
  }

  async retryLater(inboxId: number, frontend: FrontendId, attempts: number, nextAttemptAtMs: number, cause: string): Promise<void> {
    await this.db.run('UPDATE bridge_deliveries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE inbox_id = ? AND frontend = ?', [attempts, nextAttemptAtMs, cause, inboxId, frontend]);
  }

  /** The event a group message was shown as on `frontend` (for replies and edits). */
  async eventFor(groupId: GroupId, frontend: FrontendId, dedupKey: string): Promise<FrontendEventId | undefined> {
    const r = await this.db.get<{ event_id: string | null }>(
      "SELECT d.event_id FROM bridge_deliveries d JOIN bridge_inbox i ON i.id = d.inbox_id WHERE i.group_id = ? AND i.dedup_key = ? AND d.frontend = ? AND d.state = 'delivered'",
      [groupId, dedupKey, frontend],
    );
    return (r?.event_id ?? undefined) as FrontendEventId | undefined;
  }

  async byKey(groupId: GroupId, dedupKey: string): Promise<InboundBody | undefined> {
    const r = await this.db.get<{ body: string }>('SELECT body FROM bridge_inbox WHERE group_id = ? AND dedup_key = ?', [groupId, dedupKey]);
    return r ? (JSON.parse(r.body) as InboundBody) : undefined;
  }

  /** The group message a frontend event shows, if it is one of ours. */
  async keyForEvent(frontend: FrontendId, eventId: FrontendEventId): Promise<{ groupId: GroupId; dedupKey: string; body: InboundBody } | undefined> {
    const r = await this.db.get<{ group_id: string; dedup_key: string; body: string }>(
      'SELECT i.group_id, i.dedup_key, i.body FROM bridge_deliveries d JOIN bridge_inbox i ON i.id = d.inbox_id WHERE d.frontend = ? AND d.event_id = ?',
      [frontend, eventId],
    );
    return r ? { groupId: r.group_id as GroupId, dedupKey: r.dedup_key, body: JSON.parse(r.body) as InboundBody } : undefined;
  }

  /** A room was unlinked: what is still waiting for it will not be shown there. */
  async dropRoom(frontend: FrontendId, room: FrontendRoomId): Promise<number> {
    return (await this.db.run("UPDATE bridge_deliveries SET state = 'failed', last_error = 'room unlinked' WHERE frontend = ? AND room_id = ? AND state = 'pending'", [frontend, room])).changes;
  }

  async counts(): Promise<Record<'pending' | 'delivered' | 'failed', number>> {
    const out = { pending: 0, delivered: 0, failed: 0 };
    for (const r of await this.db.all<{ state: 'pending' | 'delivered' | 'failed'; n: number }>('SELECT state, COUNT(*) AS n FROM bridge_deliveries GROUP BY state')) out[r.state] = r.n;
    return out;
  }
}
