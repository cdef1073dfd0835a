import type { Queryable, SecretBox } from '../store/index.js';
import { asJoinRequestId, type FrontendId, type FrontendUserId, type GroupId, type JoinRequestId } from '../ids/index.js';

/**
 * A join request (DESIGN.md §3 "Joining is approved"): a voucher read from its rendezvous
 * stream, or a frontend user entering a portal whose policy asks for approval. Admins act on it
 * by its number: approve, deny, rename. Rename changes the name the member will have when
 * approved; the request stays pending under the new name (our reading of the draft's "please
 * revise your display name", as the engine documents in its joins.ts). The engine's reference
 * for a voucher request is derived from the voucher, so it is stored sealed and never shown.
 */

export type JoinSource = 'voucher' | 'frontend';
export type JoinState = 'pending' | 'approved' | 'denied';

export interface JoinRequest {
  readonly id: JoinRequestId;
  readonly groupId: GroupId;
  readonly source: JoinSource;
  readonly frontend?: FrontendId;
  /** The frontend user, or 'voucher:<n>' for a voucher. */
  readonly requester: string;
  readonly displayName: string;
  readonly state: JoinState;
  readonly decidedBy?: string;
}

interface JoinRow {
  id: number;
  group_id: string;
  source: JoinSource;
  frontend: string | null;
  requester: string;
  display_name: string;
  engine_ref_sealed: Uint8Array | null;
  state: JoinState;
  decided_by: string | null;
}

const fromRow = (r: JoinRow): JoinRequest => ({
  id: asJoinRequestId(r.id),
  groupId: r.group_id as GroupId,
  source: r.source,
  ...(r.frontend ? { frontend: r.frontend as FrontendId } : {}),
  requester: r.requester,
  displayName: r.display_name,
  state: r.state,
  ...(r.decided_by ? { decidedBy: r.decided_by } : {}),
});

const refContext = (id: number): string => `bridge_join_requests:${id}:engine_ref`;

export class JoinRequestStore {
  constructor(
    private readonly db: Queryable,
    private readonly secrets: SecretBox,
  ) {}

  /** A frontend user's request; the existing one if they already have a pending request. */
  async addFromFrontend(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string, nowMs: number): Promise<{ request: JoinRequest; created: boolean }> {
    const r = await this.db.run(
      "INSERT OR IGNORE INTO bridge_join_requests (group_id, source, frontend, requester, display_name, created_at) VALUES (?, 'frontend', ?, ?, ?, ?)",
      [groupId, frontend, userId, displayName, nowMs],
    );
    const row = await this.db.get<JoinRow>("SELECT * FROM bridge_join_requests WHERE group_id = ? AND source = 'frontend' AND requester = ? AND frontend = ? AND state = 'pending'", [
      groupId,
      userId,
      frontend,
    ]);
    return { request: fromRow(row!), created: r.changes === 1 };
  }

  /** A voucher's request, keyed by the engine's reference (sealed). Idempotent per reference. */
  async addFromVoucher(groupId: GroupId, engineRef: string, displayName: string, nowMs: number): Promise<{ request: JoinRequest; created: boolean }> {
    for (const p of await this.db.all<JoinRow>("SELECT * FROM bridge_join_requests WHERE group_id = ? AND source = 'voucher' AND state = 'pending'", [groupId])) {
      if (this.ref(p) === engineRef) return { request: fromRow(p), created: false };
    }
    const seq = (await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM bridge_join_requests WHERE source = 'voucher'"))!.n + 1;
    const r = await this.db.run("INSERT INTO bridge_join_requests (group_id, source, requester, display_name, created_at) VALUES (?, 'voucher', ?, ?, ?)", [
      groupId,
      `voucher:${seq}`,
      displayName,
      nowMs,
    ]);
    await this.db.run('UPDATE bridge_join_requests SET engine_ref_sealed = ? WHERE id = ?', [this.secrets.seal(new TextEncoder().encode(engineRef), refContext(r.lastId)), r.lastId]);
    return { request: (await this.get(asJoinRequestId(r.lastId)))!, created: true };
  }

  async get(id: JoinRequestId): Promise<JoinRequest | undefined> {
    const r = await this.db.get<JoinRow>('SELECT * FROM bridge_join_requests WHERE id = ?', [id]);
    return r ? fromRow(r) : undefined;
  }

  /** The engine's reference of a voucher request (opened from its sealed column). */
  async engineRef(id: JoinRequestId): Promise<string | undefined> {
    const r = await this.db.get<JoinRow>('SELECT * FROM bridge_join_requests WHERE id = ?', [id]);
    return r ? this.ref(r) : undefined;
  }

  async byEngineRef(groupId: GroupId, engineRef: string): Promise<JoinRequest | undefined> {
    const rows = await this.db.all<JoinRow>("SELECT * FROM bridge_join_requests WHERE group_id = ? AND source = 'voucher' AND state = 'pending'", [groupId]);
    const r = rows.find((row) => this.ref(row) === engineRef);
    return r ? fromRow(r) : undefined;
  }

  async pending(groupId?: GroupId): Promise<JoinRequest[]> {
    const rows = groupId
      ? await this.db.all<JoinRow>("SELECT * FROM bridge_join_requests WHERE state = 'pending' AND group_id = ? ORDER BY id", [groupId])
      : await this.db.all<JoinRow>("SELECT * FROM bridge_join_requests WHERE state = 'pending' ORDER BY id");
    return rows.map(fromRow);
  }

  async rename(id: JoinRequestId, displayName: string): Promise<void> {
    await this.db.run("UPDATE bridge_join_requests SET display_name = ? WHERE id = ? AND state = 'pending'", [displayName, id]);
  }

  async decide(id: JoinRequestId, state: 'approved' | 'denied', by: string, nowMs: number): Promise<boolean> {
    const r = await this.db.run("UPDATE bridge_join_requests SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'pending'", [state, by, nowMs, id]);
    return r.changes === 1;
  }

  private ref(r: JoinRow): string | undefined {
    return r.engine_ref_sealed ? new TextDecoder().decode(this.secrets.open(new Uint8Array(r.engine_ref_sealed), refContext(r.id))) : undefined;
  }
}
