import { createHash } from 'node:crypto';
import type { Queryable } from '../store/index.js';
import { asGhostId, type GhostId, type GroupId, type MemberId } from '../ids/index.js';
import { sanitiseName } from './display-names.js';

/**
 * A ghost: a Katzenpost member shown on the frontends (DESIGN.md §4). Its id is deterministic
 * from (group, member), so a restart or a second bridge over the same store finds the same
 * ghost. Names are local labels (wire §1.7) chosen by the member, so they are sanitised, and
 * disambiguated when two members of a group share one: then every one of them shows a short
 * piece of its member id, so nobody can take over another's name by joining later.
 */

export interface Ghost {
  readonly groupId: GroupId;
  readonly member: MemberId;
  readonly ghostId: GhostId;
  /** Sanitised name as the member gave it. */
  readonly displayName: string;
  /** What frontends show: displayName, disambiguated. */
  readonly shownName: string;
}

const ID_HEX_CHARS = 20;
const DISAMBIGUATION_HEX_CHARS = 6;

export function ghostIdOf(groupId: GroupId, member: MemberId): GhostId {
  const h = createHash('sha256').update(`katzenbridge ghost\0${groupId}\0${member}`).digest('hex');
  return asGhostId(`kp_${h.slice(0, ID_HEX_CHARS)}`);
}

const fold = (name: string): string => name.normalize('NFKC').toLowerCase();

interface GhostRow {
  group_id: string;
  member_id: string;
  ghost_id: string;
  display_name: string;
  shown_name: string;
}

const fromRow = (r: GhostRow): Ghost => ({
  groupId: r.group_id as GroupId,
  member: r.member_id as MemberId,
  ghostId: r.ghost_id as GhostId,
  displayName: r.display_name,
  shownName: r.shown_name,
});

export class GhostStore {
  constructor(private readonly db: Queryable) {}

  async get(groupId: GroupId, member: MemberId): Promise<Ghost | undefined> {
    const r = await this.db.get<GhostRow>('SELECT * FROM bridge_ghosts WHERE group_id = ? AND member_id = ?', [groupId, member]);
    return r ? fromRow(r) : undefined;
  }

  async list(groupId: GroupId): Promise<Ghost[]> {
    return (await this.db.all<GhostRow>('SELECT * FROM bridge_ghosts WHERE group_id = ? ORDER BY member_id', [groupId])).map(fromRow);
  }

  /**
   * Records (or renames) the member's ghost and recomputes the shown names of its group.
   * Returns every ghost whose shown name changed (the frontends must update those), the
   * member's own included when new.
   */
  async upsert(groupId: GroupId, member: MemberId, rawName: string): Promise<{ ghost: Ghost; changed: Ghost[] }> {
    const name = sanitiseName(rawName, `member ${member.slice(0, DISAMBIGUATION_HEX_CHARS)}`);
    const before = await this.list(groupId);
    const all = [...before.filter((g) => g.member !== member), { groupId, member, ghostId: ghostIdOf(groupId, member), displayName: name, shownName: '' }];
    const counts = new Map<string, number>();
    for (const g of all) counts.set(fold(g.displayName), (counts.get(fold(g.displayName)) ?? 0) + 1);
    const changed: Ghost[] = [];
    let mine: Ghost | undefined;
    for (const g of all) {
      const shownName = (counts.get(fold(g.displayName)) ?? 0) > 1 ? `${g.displayName} (${g.member.slice(0, DISAMBIGUATION_HEX_CHARS)})` : g.displayName;
      const next = { ...g, shownName };
      if (g.member === member) mine = next;
      const prev = before.find((b) => b.member === g.member);
      if (!prev || prev.shownName !== shownName || prev.displayName !== next.displayName) {
        changed.push(next);
        await this.db.run(
          `INSERT INTO bridge_ghosts (group_id, member_id, ghost_id, display_name, shown_name) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (group_id, member_id) DO UPDATE SET display_name = excluded.display_name, shown_name = excluded.shown_name`,
          [groupId, g.member, next.ghostId, next.displayName, shownName],
        );
      }
    }
    return { ghost: mine!, changed };
  }
}
