import type { Queryable } from '../store/index.js';
import type { BoxCounter, FrontendEventId, FrontendId, FrontendRoomId, FrontendUserId, GroupId } from '../ids/index.js';
import type { TextKind } from './frontend.js';
import type { MessageRef } from './group-side.js';

/**
 * The durable outbox (frontend -> group), DESIGN.md §4: a user's message is stored here before
 * the frontend is answered, and leaves the queue only as 'sent' (with the counter it was written
 * at) or 'failed' (after a notice). (frontend, event id) is unique, so a frontend delivering the
 * same event twice queues it once. 'held' rows wait for their puppet's approval.
 */

export interface OutboundBody {
  readonly kind: TextKind | 'file';
  readonly text: string;
  /** The sender's frontend display name, unsanitised (for the puppet's name on first send). */
  readonly senderName?: string;
  readonly replyTo?: MessageRef;
  readonly editOf?: MessageRef;
  readonly basename?: string;
  readonly filetype?: string;
}

export interface OutboxEntry {
  readonly id: number;
  readonly groupId: GroupId;
  readonly frontend: FrontendId;
  readonly room: FrontendRoomId;
  readonly eventId: FrontendEventId;
  readonly userId: FrontendUserId;
  readonly body: OutboundBody;
  readonly file?: Uint8Array;
  readonly state: 'queued' | 'held' | 'sent' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly counter?: BoxCounter;
  /** When the frontend's message was accepted (delivery latency counts from here). */
  readonly createdAtMs: number;
}

interface OutboxRow {
  id: number;
  group_id: string;
  frontend: string;
  room_id: string;
  event_id: string;
  user_id: string;
  body: string;
  file: Uint8Array | null;
  state: OutboxEntry['state'];
  attempts: number;
  next_attempt_at: number;
  counter: string | null;
  created_at: number;
}

const fromRow = (r: OutboxRow): OutboxEntry => ({
  id: r.id,
  groupId: r.group_id as GroupId,
  frontend: r.frontend as FrontendId,
  room: r.room_id as FrontendRoomId,
  eventId: r.event_id as FrontendEventId,
  userId: r.user_id as FrontendUserId,
  body: JSON.parse(r.body) as OutboundBody,
  ...(r.file ? { file: new Uint8Array(r.file) } : {}),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAtMs: r.next_attempt_at,
  ...(r.counter ? { counter: r.counter as BoxCounter } : {}),
  createdAtMs: r.created_at,
});

export class OutboxStore {
  constructor(private readonly db: Queryable) {}

  /** Queues a message; `created` false if this (frontend, event) was queued before. */
  async enqueue(
    e: { groupId: GroupId; frontend: FrontendId; room: FrontendRoomId; eventId: FrontendEventId; userId: FrontendUserId; body: OutboundBody; file?: Uint8Array },
    nowMs: number,
  ): Promise<{ id: number; created: boolean }> {
    const r = await this.db.run(
      'INSERT OR IGNORE INTO bridge_outbox (group_id, frontend, room_id, event_id, user_id, body, file, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [e.groupId, e.frontend, e.room, e.eventId, e.userId, JSON.stringify(e.body), e.file ?? null, nowMs],
    );
    const row = await this.db.get<{ id: number }>('SELECT id FROM bridge_outbox WHERE frontend = ? AND event_id = ?', [e.frontend, e.eventId]);
    return { id: row!.id, created: r.changes === 1 };
  }

  /** The head of a portal's queue: its oldest 'queued' row (held rows wait aside). */
  async head(groupId: GroupId): Promise<OutboxEntry | undefined> {
    const r = await this.db.get<OutboxRow>("SELECT * FROM bridge_outbox WHERE group_id = ? AND state = 'queued' ORDER BY id LIMIT 1", [groupId]);
    return r ? fromRow(r) : undefined;
  }

  async byEvent(frontend: FrontendId, eventId: FrontendEventId): Promise<OutboxEntry | undefined> {
    const r = await this.db.get<OutboxRow>('SELECT * FROM bridge_outbox WHERE frontend = ? AND event_id = ?', [frontend, eventId]);
    return r ? fromRow(r) : undefined;
  }

  /** The sent row of a puppet at `counter` (for replies to a puppet's message). */
  async bySent(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, counter: string): Promise<OutboxEntry | undefined> {
    const r = await this.db.get<OutboxRow>("SELECT * FROM bridge_outbox WHERE group_id = ? AND frontend = ? AND user_id = ? AND state = 'sent' AND counter = ?", [groupId, frontend, userId, counter]);
    return r ? fromRow(r) : undefined;
  }

  /** Waiting messages (queued or held for an admin) per group, for the queue-depth gauge. */
  async depthByGroup(): Promise<Array<{ groupId: GroupId; n: number }>> {
    const rows = await this.db.all<{ group_id: string; n: number }>("SELECT group_id, COUNT(*) AS n FROM bridge_outbox WHERE state IN ('queued', 'held') GROUP BY group_id");
    return rows.map((r) => ({ groupId: r.group_id as GroupId, n: r.n }));
  }

  async groupsWithQueued(): Promise<GroupId[]> {
    return (await this.db.all<{ group_id: string }>("SELECT DISTINCT group_id FROM bridge_outbox WHERE state = 'queued'")).map((r) => r.group_id as GroupId);
  }

  async markSent(id: number, counter: BoxCounter): Promise<void> {
    await this.db.run("UPDATE bridge_outbox SET state = 'sent', counter = ?, last_error = NULL WHERE id = ?", [counter, id]);
  }

  async markFailed(id: number, cause: string): Promise<void> {
    await this.db.run("UPDATE bridge_outbox SET state = 'failed', last_error = ? WHERE id = ?", [cause, id]);
  }

  async retryLater(id: number, attempts: number, nextAttemptAtMs: number, cause: string): Promise<void> {
    await this.db.run('UPDATE bridge_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?', [attempts, nextAttemptAtMs, cause, id]);
  }

  async hold(id: number): Promise<void> {
    await this.db.run("UPDATE bridge_outbox SET state = 'held' WHERE id = ?", [id]);
  }

  /** Held rows of one user back into the queue, in their original order (their ids). */
  async release(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId): Promise<number> {
    return (await this.db.run("UPDATE bridge_outbox SET state = 'queued' WHERE group_id = ? AND frontend = ? AND user_id = ? AND state = 'held'", [groupId, frontend, userId])).changes;
  }

  /** Held rows of one user marked failed; returns them, for the notices. */
  async failHeld(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, cause: string): Promise<OutboxEntry[]> {
    const rows = await this.db.all<OutboxRow>("SELECT * FROM bridge_outbox WHERE group_id = ? AND frontend = ? AND user_id = ? AND state = 'held' ORDER BY id", [groupId, frontend, userId]);
    for (const r of rows) await this.markFailed(r.id, cause);
    return rows.map(fromRow);
  }

  async counts(): Promise<Record<OutboxEntry['state'], number>> {
    const out = { queued: 0, held: 0, sent: 0, failed: 0 };
    for (const r of await this.db.all<{ state: OutboxEntry['state']; n: number }>('SELECT state, COUNT(*) AS n FROM bridge_outbox GROUP BY state')) out[r.state] = r.n;
    return out;
  }
}
