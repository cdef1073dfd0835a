import { strict as assert } from 'node:assert';
import { MessageBoxIndex } from '../../../src/bacap/index.js';
import { GroupState } from '../../../src/groupchat/group-state.js';
import { MemoryGroupStateStore } from '../../../src/groupchat/memory-state-store.js';
import { asGroupId, counterOf, memberKeyOf } from '../../../src/groupchat/types.js';
import { membershipHashV1 } from '../../../src/groupchat/wire/index.js';
import { newStream } from './engine-fake-port.js';

async function fresh(store = new MemoryGroupStateStore()): Promise<{ state: GroupState; store: MemoryGroupStateStore; self: ReturnType<typeof newStream> }> {
  const self = newStream();
  const state = await GroupState.create(store, {
    groupId: asGroupId('g'),
    selfName: 'me',
    writeCap: self.writeCap,
    nextWriteIndex: self.firstIndex,
    arrivalSeq: 0,
    status: 'member',
    createdAtMs: 0,
  });
  return { state, store, self };
}

describe('groupchat engine: group state', () => {
  it('adds members by root key: a second cap with the same root key (mutated index) is the same member', async () => {
    const { state } = await fresh();
    const s = newStream();
    const added = await state.addMember('bob', s.readCap, 'manual', 1);
    assert.ok(added);
    assert.equal(added.memberKey, memberKeyOf(s.readCap));
    assert.deepEqual(Buffer.from(added.cursor), Buffer.from(s.firstIndex), 'reads from the first box');
    const mutated = new Uint8Array(s.readCap);
    mutated.set(MessageBoxIndex.fromBytes(s.firstIndex).mutateKdfState(new Uint8Array(32).fill(9)).toBytes(), 32);
    assert.equal(await state.addMember('bob again', mutated, 'introduction', 2), undefined);
    assert.equal(state.members().length, 1);
    assert.equal(state.members()[0]!.displayName, 'bob', 'the first name learnt wins');
  });

  it('never adds ourselves (an INTRODUCTION naming us)', async () => {
    const { state, self } = await fresh();
    assert.equal(await state.addMember('me', self.readCap, 'introduction', 1), undefined);
    assert.equal(state.members().length, 0);
  });

  it('recomputes the v1 membership hash when members change, leaving inactive members out', async () => {
    const { state, self } = await fresh();
    const a = newStream();
    const b = newStream();
    const h0 = state.membershipHash();
    assert.deepEqual(h0, membershipHashV1({ selfWriteCap: self.writeCap, memberReadCaps: [] }));
    await state.addMember('a', a.readCap, 'manual', 1);
    await state.addMember('b', b.readCap, 'manual', 1);
    assert.deepEqual(state.membershipHash(), membershipHashV1({ selfWriteCap: self.writeCap, memberReadCaps: [b.readCap, a.readCap] }));
    await state.setActive(memberKeyOf(b.readCap), false);
    assert.deepEqual(state.membershipHash(), membershipHashV1({ selfWriteCap: self.writeCap, memberReadCaps: [a.readCap] }));
  });

  it('accepts only the read at the cursor (dedup by stream and index) and persists cursor and arrival seq together', async () => {
    const { state, store } = await fresh();
    const a = newStream();
    const m = (await state.addMember('a', a.readCap, 'manual', 1))!;
    const next = MessageBoxIndex.fromBytes(a.firstIndex).next().toBytes();
    assert.equal(state.isCurrent(m.memberKey, a.firstIndex), true);
    assert.equal(state.isCurrent(m.memberKey, next), false, 'ahead of the cursor');
    const seq = await state.commit({ ...m, cursor: next }, 2);
    assert.equal(seq, 1);
    assert.equal(state.nextSeq(), 3);
    assert.equal(state.isCurrent(m.memberKey, a.firstIndex), false, 'a replay of the consumed box');
    assert.equal(state.isCurrent(m.memberKey, next), true);
    // A reload from the store sees the same cursor and counter.
    const again = await GroupState.load(store, state.id);
    assert.equal(counterOf(again.member(m.memberKey)!.cursor), counterOf(next));
    assert.equal(again.record.arrivalSeq, 2);
    assert.equal(store.commits, 1);
  });

  it('refuses to create a group twice and to load an unknown one', async () => {
    const { store, self } = await fresh();
    await assert.rejects(
      GroupState.create(store, { groupId: asGroupId('g'), selfName: 'x', writeCap: self.writeCap, nextWriteIndex: self.firstIndex, arrivalSeq: 0, status: 'member', createdAtMs: 0 }),
      RangeError,
    );
    await assert.rejects(GroupState.load(store, asGroupId('nope')), RangeError);
  });

  it('serialises mutations of one group in call order', async () => {
    const { state } = await fresh();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => state.serial(async () => {
      await new Promise((r) => setTimeout(r, 5 - i));
      order.push(i);
    })));
    assert.deepEqual(order, [1, 2, 3]);
  });
});
