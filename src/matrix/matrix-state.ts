import type { Queryable } from '../store/index.js';

/**
 * The Matrix frontend's own durable state, beside the core's tables:
 * - transactions the homeserver pushed and we finished (appservice API "Pushing events": the
 *   homeserver retries a transaction until it gets 200, so one it sends again after our restart
 *   must not be handled twice);
 * - the admin rooms (direct chats with the bot) and the rooms seen encrypted;
 * - which Matrix user shows which ghost (postMessage is given only the GhostId).
 *
 * The tables come from the store's migration 004; `open` checks they are there, so a database that
 * was not migrated fails at start with a clear message instead of at the first event.
 *
 * The admin rooms and encrypted rooms are also kept in memory, loaded at `open`: every event and
 * every post asks about them, and each question answered from memory is one sqlite round trip
 * less on the path of a message (bench:matrix). This instance is their only writer (one daemon
 * per database), and it writes the table before the set, so memory never claims more than disk.
 */

const TABLES = ['matrix_transactions', 'matrix_admin_rooms', 'matrix_encrypted_rooms', 'matrix_ghost_users'];

/** Transactions older than this are forgotten: the homeserver retries for minutes, not days. */
export const TRANSACTION_MEMORY_MS = 7 * 24 * 3600 * 1000;
/** Forgetting runs at most this often: done_at has no index, so each run scans the table, which
 *  holds up to a week of transactions; once per transaction was a scan per message. */
export const TRANSACTION_PRUNE_INTERVAL_MS = 3600 * 1000;

export class MatrixState {
  /** When old transactions were last forgotten; 0: not yet by this process. */
  private prunedAtMs = 0;

  private constructor(
    private readonly db: Queryable,
    private readonly adminRooms: Set<string>,
    private readonly encryptedRooms: Set<string>,
  ) {}

  static async open(db: Queryable): Promise<MatrixState> {
    const found = new Set((await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'matrix_%'")).map((r) => r.name));
    const missing = TABLES.filter((t) => !found.has(t));
    if (missing.length > 0) throw new Error(`the database has no ${missing.join(', ')}: open it with openStore, which applies the migrations`);
    const admin = await db.all<{ room_id: string }>('SELECT room_id FROM matrix_admin_rooms');
    const encrypted = await db.all<{ room_id: string }>('SELECT room_id FROM matrix_encrypted_rooms');
    return new MatrixState(db, new Set(admin.map((r) => r.room_id)), new Set(encrypted.map((r) => r.room_id)));
  }

  async transactionDone(txnId: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 AS x FROM matrix_transactions WHERE txn_id = ?', [txnId])) !== undefined;
  }

  async markTransactionDone(txnId: string, nowMs: number): Promise<void> {
    await this.db.run('INSERT OR IGNORE INTO matrix_transactions (txn_id, done_at) VALUES (?, ?)', [txnId, nowMs]);
    if (nowMs - this.prunedAtMs < TRANSACTION_PRUNE_INTERVAL_MS) return;
    this.prunedAtMs = nowMs;
    await this.db.run('DELETE FROM matrix_transactions WHERE done_at < ?', [nowMs - TRANSACTION_MEMORY_MS]);
  }

  async addAdminRoom(roomId: string, userId: string, nowMs: number): Promise<void> {
    await this.db.run('INSERT OR IGNORE INTO matrix_admin_rooms (room_id, user_id, created_at) VALUES (?, ?, ?)', [roomId, userId, nowMs]);
    this.adminRooms.add(roomId);
  }

  async isAdminRoom(roomId: string): Promise<boolean> {
    return this.adminRooms.has(roomId);
  }

  /** Records that `roomId` is encrypted; true the first time (the notice is posted once). */
  async markEncrypted(roomId: string, nowMs: number): Promise<boolean> {
    const first = (await this.db.run('INSERT OR IGNORE INTO matrix_encrypted_rooms (room_id, seen_at) VALUES (?, ?)', [roomId, nowMs])).changes === 1;
    this.encryptedRooms.add(roomId);
    return first;
  }

  async isEncrypted(roomId: string): Promise<boolean> {
    return this.encryptedRooms.has(roomId);
  }

  async setGhostUser(ghostId: string, userId: string): Promise<void> {
    await this.db.run('INSERT OR IGNORE INTO matrix_ghost_users (ghost_id, user_id) VALUES (?, ?)', [ghostId, userId]);
  }

  async ghostUser(ghostId: string): Promise<string | undefined> {
    return (await this.db.get<{ user_id: string }>('SELECT user_id FROM matrix_ghost_users WHERE ghost_id = ?', [ghostId]))?.user_id;
  }
}
