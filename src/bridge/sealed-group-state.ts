import { createHash } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import type { GroupId, GroupRecord, GroupStateStore, JoinerVoucherRecord, MemberRecord, PendingJoinRecord, StoreSnapshot } from '../groupchat/index.js';
import { StoreError, type Queryable, type SecretBox } from '../store/index.js';

/**
 * The group chat engine's GroupStateStore in the bridge's sqlite database (migration 003), every
 * record sealed whole with the SecretBox (issue 8: write caps, read caps, cursors and voucher keys
 * at rest are ciphertext). A record is CBOR: new fields a later engine adds are kept without a
 * migration. The associated data names the table and the row, so a sealed record copied to
 * another row fails to open, with a StoreError naming the row kind and never its contents.
 *
 * Rows are found by the local group id plus an opaque reference (a SHA-256 prefix of the member
 * key or voucher), so neither appears in the clear. commitRead, the one write per message read,
 * is one transaction over two upserts.
 */

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export interface TransactionalDb extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

const ref = (what: string, value: string | Uint8Array): string => createHash('sha256').update(what).update('\0').update(value).digest('hex').slice(0, 32);
const memberRef = (m: { memberKey: string }): string => ref('member', m.memberKey);
const voucherRef = (voucherHex: string): string => ref('voucher', voucherHex);

/** cbor-x hands out Buffers; the engine gets plain Uint8Arrays, as from every other store. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

export class SealedGroupStateStore implements GroupStateStore {
  constructor(
    private readonly db: TransactionalDb,
    private readonly secrets: SecretBox,
  ) {}

  async listGroups(): Promise<readonly GroupRecord[]> {
    const rows = await this.db.all<{ group_id: string; record_sealed: Uint8Array }>('SELECT group_id, record_sealed FROM groupchat_groups ORDER BY rowid');
    return rows.map((r) => this.open<GroupRecord>(r.record_sealed, `groupchat_groups:${r.group_id}`, 'group'));
  }

  async getGroup(groupId: GroupId): Promise<GroupRecord | undefined> {
    const r = await this.db.get<{ record_sealed: Uint8Array }>('SELECT record_sealed FROM groupchat_groups WHERE group_id = ?', [groupId]);
    return r ? this.open<GroupRecord>(r.record_sealed, `groupchat_groups:${groupId}`, 'group') : undefined;
  }

  async putGroup(group: GroupRecord, db: Queryable = this.db): Promise<void> {
    await db.run('INSERT INTO groupchat_groups (group_id, record_sealed) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET record_sealed = excluded.record_sealed', [
      group.groupId,
      this.seal(group, `groupchat_groups:${group.groupId}`),
    ]);
  }

  async listMembers(groupId: GroupId): Promise<readonly MemberRecord[]> {
    const rows = await this.db.all<{ member_ref: string; record_sealed: Uint8Array }>('SELECT member_ref, record_sealed FROM groupchat_members WHERE group_id = ? ORDER BY seq', [groupId]);
    return rows.map((r) => this.open<MemberRecord>(r.record_sealed, `groupchat_members:${groupId}:${r.member_ref}`, 'member'));
  }

  async putMember(member: MemberRecord, db: Queryable = this.db): Promise<void> {
    const mref = memberRef(member);
    await db.run(
      'INSERT INTO groupchat_members (group_id, member_ref, record_sealed) VALUES (?, ?, ?) ON CONFLICT (group_id, member_ref) DO UPDATE SET record_sealed = excluded.record_sealed',
      [member.groupId, mref, this.seal(member, `groupchat_members:${member.groupId}:${mref}`)],
    );
  }

  async commitRead(member: MemberRecord, group: GroupRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.putMember(member, tx);
      await this.putGroup(group, tx);
    });
  }

  async listPendingJoins(groupId: GroupId): Promise<readonly PendingJoinRecord[]> {
    const rows = await this.db.all<{ voucher_ref: string; record_sealed: Uint8Array }>('SELECT voucher_ref, record_sealed FROM groupchat_pending_joins WHERE group_id = ? ORDER BY seq', [groupId]);
    return rows.map((r) => this.open<PendingJoinRecord>(r.record_sealed, `groupchat_pending_joins:${groupId}:${r.voucher_ref}`, 'join request'));
  }

  async putPendingJoin(join: PendingJoinRecord, db: Queryable = this.db): Promise<void> {
    const vref = voucherRef(join.voucherHex);
    await db.run(
      'INSERT INTO groupchat_pending_joins (group_id, voucher_ref, record_sealed) VALUES (?, ?, ?) ON CONFLICT (group_id, voucher_ref) DO UPDATE SET record_sealed = excluded.record_sealed',
      [join.groupId, vref, this.seal(join, `groupchat_pending_joins:${join.groupId}:${vref}`)],
    );
  }

  async deletePendingJoin(groupId: GroupId, voucherHex: string): Promise<void> {
    await this.db.run('DELETE FROM groupchat_pending_joins WHERE group_id = ? AND voucher_ref = ?', [groupId, voucherRef(voucherHex)]);
  }

  async getJoinerVoucher(groupId: GroupId): Promise<JoinerVoucherRecord | undefined> {
    const r = await this.db.get<{ record_sealed: Uint8Array }>('SELECT record_sealed FROM groupchat_joiner_vouchers WHERE group_id = ?', [groupId]);
    return r ? this.open<JoinerVoucherRecord>(r.record_sealed, `groupchat_joiner_vouchers:${groupId}`, 'voucher') : undefined;
  }

  async putJoinerVoucher(v: JoinerVoucherRecord, db: Queryable = this.db): Promise<void> {
    await db.run(
      'INSERT INTO groupchat_joiner_vouchers (group_id, record_sealed) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET record_sealed = excluded.record_sealed',
      [v.groupId, this.seal(v, `groupchat_joiner_vouchers:${v.groupId}`)],
    );
  }

  async deleteJoinerVoucher(groupId: GroupId): Promise<void> {
    await this.db.run('DELETE FROM groupchat_joiner_vouchers WHERE group_id = ?', [groupId]);
  }

  /** True when no group is stored yet (a new database, or one before the engine moved here). */
  async isEmpty(): Promise<boolean> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM groupchat_groups'))!.n === 0;
  }

  /** Writes a whole snapshot (the JSON file state of earlier versions) in one transaction. */
  async importSnapshot(s: StoreSnapshot): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const g of s.groups) await this.putGroup(g, tx);
      for (const m of s.members) await this.putMember(m, tx);
      for (const j of s.pendingJoins) await this.putPendingJoin(j, tx);
      for (const v of s.joinerVouchers) await this.putJoinerVoucher(v, tx);
    });
  }

  private seal(record: object, context: string): Uint8Array {
    const plaintext = encoder.encode(record);
    try {
      return this.secrets.seal(plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }

  private open<T>(sealed: Uint8Array, context: string, kind: string): T {
    const plaintext = this.secrets.open(new Uint8Array(sealed), context);
    try {
      return plain(decoder.decode(plaintext)) as T;
    } catch (e) {
      throw new StoreError('secret_box_open', `a stored group chat ${kind} record is not valid CBOR (${context.split(':')[0]})`, { cause: e });
    } finally {
      plaintext.fill(0);
    }
  }
}
