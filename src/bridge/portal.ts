import type { Queryable } from '../store/index.js';
import type { FrontendId, FrontendRoomId, GroupId } from '../ids/index.js';

/**
 * A portal: one group <-> at most one room per frontend (DESIGN.md §4). Wraps its rows in
 * bridge_portals and bridge_portal_rooms (migration 002); SQL beside the type, as mautrix's
 * database/portal.go.
 */

export type JoinPolicy = 'auto' | 'approval';

export interface Portal {
  readonly groupId: GroupId;
  readonly name: string;
  readonly joinPolicy: JoinPolicy;
  readonly createdAtMs: number;
  /** The room on each frontend the group is linked to. */
  readonly rooms: ReadonlyMap<FrontendId, FrontendRoomId>;
}

interface PortalRow {
  group_id: string;
  name: string;
  join_policy: JoinPolicy;
  created_at: number;
}

export class PortalStore {
  constructor(private readonly db: Queryable) {}

  async create(groupId: GroupId, name: string, joinPolicy: JoinPolicy, nowMs: number): Promise<Portal> {
    await this.db.run('INSERT INTO bridge_portals (group_id, name, join_policy, created_at) VALUES (?, ?, ?, ?)', [groupId, name, joinPolicy, nowMs]);
    return { groupId, name, joinPolicy, createdAtMs: nowMs, rooms: new Map() };
  }

  /** Changes who may join through this portal; false if there is no such portal. */
  async setJoinPolicy(groupId: GroupId, joinPolicy: JoinPolicy): Promise<boolean> {
    return (await this.db.run('UPDATE bridge_portals SET join_policy = ? WHERE group_id = ?', [joinPolicy, groupId])).changes === 1;
  }

  async get(groupId: GroupId): Promise<Portal | undefined> {
    const row = await this.db.get<PortalRow>('SELECT * FROM bridge_portals WHERE group_id = ?', [groupId]);
    return row ? this.withRooms(row) : undefined;
  }

  /** The portal whose room on `frontend` is `room`. */
  async byRoom(frontend: FrontendId, room: FrontendRoomId): Promise<Portal | undefined> {
    const row = await this.db.get<PortalRow>(
      'SELECT p.* FROM bridge_portals p JOIN bridge_portal_rooms r ON r.group_id = p.group_id WHERE r.frontend = ? AND r.room_id = ?',
      [frontend, room],
    );
    return row ? this.withRooms(row) : undefined;
  }

  async list(): Promise<Portal[]> {
    const rows = await this.db.all<PortalRow>('SELECT * FROM bridge_portals ORDER BY created_at, group_id');
    return Promise.all(rows.map((r) => this.withRooms(r)));
  }

  /** Links the group to `room` on `frontend`; false if either is already linked there. */
  async link(groupId: GroupId, frontend: FrontendId, room: FrontendRoomId): Promise<boolean> {
    const r = await this.db.run('INSERT OR IGNORE INTO bridge_portal_rooms (frontend, room_id, group_id) VALUES (?, ?, ?)', [frontend, room, groupId]);
    return r.changes === 1;
  }

  async unlink(groupId: GroupId, frontend: FrontendId): Promise<boolean> {
    const r = await this.db.run('DELETE FROM bridge_portal_rooms WHERE group_id = ? AND frontend = ?', [groupId, frontend]);
    return r.changes > 0;
  }

  private async withRooms(row: PortalRow): Promise<Portal> {
    const rooms = await this.db.all<{ frontend: string; room_id: string }>('SELECT frontend, room_id FROM bridge_portal_rooms WHERE group_id = ? ORDER BY frontend', [row.group_id]);
    return {
      groupId: row.group_id as GroupId,
      name: row.name,
      joinPolicy: row.join_policy,
      createdAtMs: row.created_at,
      rooms: new Map(rooms.map((r) => [r.frontend as FrontendId, r.room_id as FrontendRoomId])),
    };
  }
}
