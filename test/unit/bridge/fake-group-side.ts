import { DeliveryError, type GroupOutgoing, type GroupSide, type PuppetStream } from '../../../src/bridge/index.js';
import { asBoxCounter, asMemberId, type BoxCounter, type GroupId, type MemberId } from '../../../src/ids/index.js';
import { createHash, randomBytes } from 'node:crypto';

/**
 * A stand-in for the group chat engine behind GroupSide: groups with members, puppet streams with
 * per-stream counters, idempotent writes per msgId (as the engine's pendingOwnBox makes them),
 * and injectable failures. Tests feed member messages to the core with `core.groupEvent`.
 */

export interface Written {
  readonly groupId: GroupId;
  readonly member: MemberId;
  readonly counter: BoxCounter;
  readonly message: GroupOutgoing;
}

/** A member id like a real one (random-looking hex), deterministic per n. */
export const memberHex = (n: number): MemberId => asMemberId(createHash('sha256').update(`member ${n}`).digest('hex'));

export class FakeGroupSide implements GroupSide {
  readonly groups = new Map<GroupId, Array<{ member: MemberId; displayName: string }>>();
  readonly written: Written[] = [];
  readonly writes: Written[] = [];
  readonly introduced: Array<{ groupId: GroupId; displayName: string; member: MemberId }> = [];
  readonly approved: Array<{ engineRef: string; displayName: string }> = [];
  readonly denied: string[] = [];
  readonly inductions: Array<{ groupId: GroupId; voucher: string }> = [];
  readonly caps: Uint8Array[] = [];
  down = false;
  private failures: boolean[] = [];
  private readonly counters = new Map<MemberId, number>();
  private readonly byMsgId = new Map<string, BoxCounter>();
  private next = 1000;

  failNext(n: number, retriable: boolean): void {
    for (let i = 0; i < n; i++) this.failures.push(retriable);
  }

  async createGroup(groupId: GroupId): Promise<void> {
    if (this.groups.has(groupId)) throw new RangeError(`groupId: ${groupId} exists`);
    this.groups.set(groupId, []);
  }

  async members(groupId: GroupId) {
    return this.groups.get(groupId) ?? [];
  }

  addMember(groupId: GroupId, member: MemberId, displayName: string): void {
    if (!this.groups.has(groupId)) this.groups.set(groupId, []);
    this.groups.get(groupId)!.push({ member, displayName });
  }

  async newPuppetStream(groupId: GroupId, displayName: string): Promise<PuppetStream> {
    const member = memberHex(++this.next);
    const writeCap = new Uint8Array(randomBytes(168));
    this.caps.push(writeCap);
    this.addMember(groupId, member, displayName);
    this.introduced.push({ groupId, displayName, member });
    return { member, writeCap };
  }

  async sendAs(groupId: GroupId, stream: PuppetStream, message: GroupOutgoing): Promise<{ counter: BoxCounter }> {
    await Promise.resolve();
    if (this.down) throw new DeliveryError('group_unavailable', { retriable: true, userLine: 'the Katzenpost daemon is unreachable' });
    const f = this.failures.shift();
    if (f !== undefined) throw new DeliveryError(f ? 'group_unavailable' : 'group_rejected', { retriable: f, userLine: f ? 'the Katzenpost daemon is unreachable' : 'the group refused it' });
    const key = `${stream.member}:${Buffer.from(message.msgId).toString('hex')}`;
    const known = this.byMsgId.get(key);
    const counter = known ?? asBoxCounter(String(this.counters.get(stream.member) ?? 0));
    const w = { groupId, member: stream.member, counter, message };
    this.writes.push(w);
    if (known) return { counter };
    this.counters.set(stream.member, Number(counter) + 1);
    this.byMsgId.set(key, counter);
    this.written.push(w);
    return { counter };
  }

  async requestInduction(groupId: GroupId, voucher: string): Promise<string> {
    this.inductions.push({ groupId, voucher });
    return Buffer.from(voucher, 'base64').toString('hex');
  }

  async approveJoin(groupId: GroupId, engineRef: string, displayName: string): Promise<{ member: MemberId }> {
    this.approved.push({ engineRef, displayName });
    const member = memberHex(++this.next);
    this.addMember(groupId, member, displayName);
    return { member };
  }

  async denyJoin(_groupId: GroupId, engineRef: string): Promise<void> {
    this.denied.push(engineRef);
  }

  async mintVoucher(groupId: GroupId): Promise<string> {
    this.groups.set(groupId, []);
    return Buffer.from(randomBytes(32)).toString('base64');
  }
}
