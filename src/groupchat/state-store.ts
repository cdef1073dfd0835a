import type { GroupId, GroupRecord, JoinerVoucherRecord, MemberKey, MemberRecord, PendingJoinRecord } from './types.js';

/**
 * Where the engine keeps what must survive a restart: groups (own write cap and index), members
 * with their durable cursors and in-progress transfers, join requests, minted vouchers.
 * groupchat never imports src/store (STYLE.md §2); src/store implements this interface.
 *
 * Contract for implementers:
 *  - Every put is durable when its promise resolves, and replaces the whole record with that key.
 *  - Records hold secrets (write caps, voucher secret keys): encrypt them at rest, never log them.
 *  - The engine serialises its own writes per group; no two puts for one key run concurrently.
 *  - Return copies or immutable values: the engine never mutates a record it got back.
 */
export interface GroupStateStore {
  listGroups(): Promise<readonly GroupRecord[]>;
  getGroup(groupId: GroupId): Promise<GroupRecord | undefined>;
  putGroup(group: GroupRecord): Promise<void>;

  listMembers(groupId: GroupId): Promise<readonly MemberRecord[]>;
  putMember(member: MemberRecord): Promise<void>;
  /** Moves one member's cursor (and transfer) and the group's arrival counter together, after an
   *  event was handed over: the one write on the hot path. Must be atomic. */
  commitRead(member: MemberRecord, group: GroupRecord): Promise<void>;

  listPendingJoins(groupId: GroupId): Promise<readonly PendingJoinRecord[]>;
  putPendingJoin(join: PendingJoinRecord): Promise<void>;
  deletePendingJoin(groupId: GroupId, voucherHex: string): Promise<void>;

  getJoinerVoucher(groupId: GroupId): Promise<JoinerVoucherRecord | undefined>;
  putJoinerVoucher(v: JoinerVoucherRecord): Promise<void>;
  deleteJoinerVoucher(groupId: GroupId): Promise<void>;
}

export type { GroupId, MemberKey };
