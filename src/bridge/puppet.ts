import type { Queryable, SecretBox } from '../store/index.js';
import type { FrontendId, FrontendUserId, GroupId, MemberId } from '../ids/index.js';
import type { PuppetStream } from './group-side.js';

/**
 * A puppet: a frontend user's own stream in a group (DESIGN.md §3 "Per-user streams", §4). Made
 * on the user's first message (policy auto) or once an admin approves (policy approval); until
 * then the row is 'pending' and their messages are held. The write cap is sealed with the
 * SecretBox under associated data naming the row, so a sealed cap moved to another row does not
 * open (DESIGN.md §5), and it never leaves this file except to the group side.
 */

export type PuppetState = 'pending' | 'active' | 'denied';

export interface Puppet {
  readonly groupId: GroupId;
  readonly frontend: FrontendId;
  readonly userId: FrontendUserId;
  /** As Katzenpost members see the user (config bridge.puppet_display_name). */
  readonly displayName: string;
  readonly state: PuppetState;
  readonly member?: MemberId;
}

interface PuppetRow {
  group_id: string;
  frontend: string;
  user_id: string;
  display_name: string;
  state: PuppetState;
  member_id: string | null;
  write_cap_sealed: Uint8Array | null;
}

const fromRow = (r: PuppetRow): Puppet => ({
  groupId: r.group_id as GroupId,
  frontend: r.frontend as FrontendId,
  userId: r.user_id as FrontendUserId,
  displayName: r.display_name,
  state: r.state,
  ...(r.member_id ? { member: r.member_id as MemberId } : {}),
});

const capContext = (g: GroupId, f: FrontendId, u: FrontendUserId): string => `bridge_puppets:${g}:${f}:${u}:write_cap`;

export class PuppetStore {
  constructor(
    private readonly db: Queryable,
    private readonly secrets: SecretBox,
  ) {}

  async get(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId): Promise<Puppet | undefined> {
    const r = await this.row(groupId, frontend, userId);
    return r ? fromRow(r) : undefined;
  }

  async byMember(groupId: GroupId, member: MemberId): Promise<Puppet | undefined> {
    const r = await this.db.get<PuppetRow>('SELECT * FROM bridge_puppets WHERE group_id = ? AND member_id = ?', [groupId, member]);
    return r ? fromRow(r) : undefined;
  }

  async list(groupId: GroupId): Promise<Puppet[]> {
    return (await this.db.all<PuppetRow>('SELECT * FROM bridge_puppets WHERE group_id = ? ORDER BY created_at', [groupId])).map(fromRow);
  }

  /** A puppet waiting for an admin (policy approval). No-op if the user already has a row. */
  async addPending(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string, nowMs: number): Promise<Puppet> {
    await this.db.run(
      "INSERT OR IGNORE INTO bridge_puppets (group_id, frontend, user_id, display_name, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
      [groupId, frontend, userId, displayName, nowMs],
    );
    return (await this.get(groupId, frontend, userId))!;
  }

  /** Stores the puppet's stream (sealed) and makes it active. */
  async activate(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string, stream: PuppetStream, nowMs: number): Promise<Puppet> {
    const sealed = this.secrets.seal(stream.writeCap, capContext(groupId, frontend, userId));
    await this.db.run(
      `INSERT INTO bridge_puppets (group_id, frontend, user_id, display_name, state, member_id, write_cap_sealed, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
       ON CONFLICT (group_id, frontend, user_id) DO UPDATE SET state = 'active', display_name = excluded.display_name, member_id = excluded.member_id, write_cap_sealed = excluded.write_cap_sealed`,
      [groupId, frontend, userId, displayName, stream.member, sealed, nowMs],
    );
    return (await this.get(groupId, frontend, userId))!;
  }

  async setState(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, state: 'pending' | 'denied', displayName?: string): Promise<void> {
    await this.db.run('UPDATE bridge_puppets SET state = ?, display_name = COALESCE(?, display_name) WHERE group_id = ? AND frontend = ? AND user_id = ?', [
      state,
      displayName ?? null,
      groupId,
      frontend,
      userId,
    ]);
  }

  /** The puppet's stream with its cap opened, for one write. */
  async stream(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId): Promise<PuppetStream | undefined> {
    const r = await this.row(groupId, frontend, userId);
    if (!r || r.state !== 'active' || !r.member_id || !r.write_cap_sealed) return undefined;
    return { member: r.member_id as MemberId, writeCap: this.secrets.open(new Uint8Array(r.write_cap_sealed), capContext(groupId, frontend, userId)) };
  }

  private row(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId): Promise<PuppetRow | undefined> {
    return this.db.get<PuppetRow>('SELECT * FROM bridge_puppets WHERE group_id = ? AND frontend = ? AND user_id = ?', [groupId, frontend, userId]);
  }
}
