import type { GroupStateStore } from './state-store.js';
import type { GroupId, GroupRecord, JoinerVoucherRecord, MemberRecord, PendingJoinRecord } from './types.js';

/**
 * GroupStateStore in memory: for tests, and the base of the JSON file store the `peer` command
 * uses. `snapshot()`/`restore()` give a plain object so a test can "restart" an engine on the
 * state another engine left behind.
 */
export interface StoreSnapshot {
  groups: GroupRecord[];
  members: MemberRecord[];
  pendingJoins: PendingJoinRecord[];
  joinerVouchers: JoinerVoucherRecord[];
}

export class MemoryGroupStateStore implements GroupStateStore {
  protected groups = new Map<GroupId, GroupRecord>();
  protected members = new Map<string, MemberRecord>();
  protected pending = new Map<string, PendingJoinRecord>();
  protected vouchers = new Map<GroupId, JoinerVoucherRecord>();
  /** How many commitRead calls ran: lets tests and the bench see hot-path writes. */
  commits = 0;

  constructor(snapshot?: StoreSnapshot) {
    if (snapshot) this.restore(snapshot);
  }

  async listGroups(): Promise<readonly GroupRecord[]> {
    return [...this.groups.values()];
  }
  async getGroup(groupId: GroupId): Promise<GroupRecord | undefined> {
    return this.groups.get(groupId);
  }
  async putGroup(group: GroupRecord): Promise<void> {
    this.groups.set(group.groupId, group);
    await this.persist();
  }
  async listMembers(groupId: GroupId): Promise<readonly MemberRecord[]> {
    return [...this.members.values()].filter((m) => m.groupId === groupId);
  }
  async putMember(member: MemberRecord): Promise<void> {
    this.members.set(`${member.groupId}\u0000${member.memberKey}`, member);
    await this.persist();
  }
  async commitRead(member: MemberRecord, group: GroupRecord): Promise<void> {
    this.commits++;
    this.members.set(`${member.groupId}\u0000${member.memberKey}`, member);
    this.groups.set(group.groupId, group);
    await this.persist();
  }
  async listPendingJoins(groupId: GroupId): Promise<readonly PendingJoinRecord[]> {
    return [...this.pending.values()].filter((p) => p.groupId === groupId);
  }
  async putPendingJoin(join: PendingJoinRecord): Promise<void> {
    this.pending.set(`${join.groupId}\u0000${join.voucherHex}`, join);
    await this.persist();
  }
  async deletePendingJoin(groupId: GroupId, voucherHex: string): Promise<void> {
    this.pending.delete(`${groupId}\u0000${voucherHex}`);
    await this.persist();
  }
  async getJoinerVoucher(groupId: GroupId): Promise<JoinerVoucherRecord | undefined> {
    return this.vouchers.get(groupId);
  }
  async putJoinerVoucher(v: JoinerVoucherRecord): Promise<void> {
    this.vouchers.set(v.groupId, v);
    await this.persist();
  }
  async deleteJoinerVoucher(groupId: GroupId): Promise<void> {
    this.vouchers.delete(groupId);
    await this.persist();
  }

  snapshot(): StoreSnapshot {
    return {
      groups: [...this.groups.values()],
      members: [...this.members.values()],
      pendingJoins: [...this.pending.values()],
      joinerVouchers: [...this.vouchers.values()],
    };
  }

  protected restore(s: StoreSnapshot): void {
    for (const g of s.groups) this.groups.set(g.groupId, g);
    for (const m of s.members) this.members.set(`${m.groupId}\u0000${m.memberKey}`, m);
    for (const p of s.pendingJoins) this.pending.set(`${p.groupId}\u0000${p.voucherHex}`, p);
    for (const v of s.joinerVouchers) this.vouchers.set(v.groupId, v);
  }

  /** Hook for subclasses that write the snapshot somewhere durable. */
  protected async persist(): Promise<void> {}
}
