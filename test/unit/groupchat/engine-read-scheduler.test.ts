import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileGroupStateStore } from '../../../src/groupchat/file-state-store.js';
import { ReadScheduler, type ReadTarget } from '../../../src/groupchat/read-scheduler.js';
import { RequestBudget } from '../../../src/groupchat/request-budget.js';
import { asGroupId, memberKeyOf } from '../../../src/groupchat/types.js';
import { FakePigeonhole, newStream } from './engine-fake-port.js';
import { TEST_POLICY } from './engine-harness.js';
import { MessageBoxIndex } from '../../../src/bacap/index.js';

describe('groupchat engine: read scheduler driver', () => {
  it('reads 120 streams through a budget of 16 shared with writes, never above it, and delivers every box', async () => {
    const net = new FakePigeonhole();
    const budget = new RequestBudget(16);
    const sched = new ReadScheduler(net.port(), budget, { ...TEST_POLICY, maxInFlight: 12, maxBlocking: 8 });
    const streams = Array.from({ length: 120 }, () => newStream());
    const got = new Map<number, number>();
    streams.forEach((s, i) => {
      let cursor = s.firstIndex;
      const t: ReadTarget = {
        key: `s${i}`,
        group: `g${i % 12}`,
        position: () => ({ readCap: s.readCap, index: cursor }),
        handle: async (_index, o) => {
          if (o.kind === 'box') {
            got.set(i, (got.get(i) ?? 0) + 1);
            cursor = o.nextIndex;
          }
          return { urgent: false };
        },
      };
      sched.add(t);
    });
    sched.start();
    // Every stream gets 2 boxes, written while the scheduler runs, through the same budget.
    const writes: Promise<unknown>[] = [];
    for (const s of streams) {
      const i1 = MessageBoxIndex.fromBytes(s.firstIndex).next().toBytes();
      writes.push(budget.with(() => net.port().writeBox(s.writeCap, s.firstIndex, new Uint8Array([0x46, 1]))));
      writes.push(budget.with(() => net.port().writeBox(s.writeCap, i1, new Uint8Array([0x46, 2]))));
    }
    await Promise.all(writes);
    const deadline = Date.now() + 10_000;
    while ([...got.values()].reduce((a, b) => a + b, 0) < 240) {
      if (Date.now() > deadline) throw new Error(`only ${[...got.values()].reduce((a, b) => a + b, 0)} of 240 boxes`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await sched.stop();
    assert.ok(budget.peakUsed <= 16, `peak ${budget.peakUsed}`);
    assert.ok(net.peakInFlight <= 16, `daemon saw ${net.peakInFlight} at once`);
    assert.equal(budget.free, 16, 'every slot was given back');
    assert.ok(sched.stats.blockingReads > 0 && sched.stats.failFastReads > 0);
  });

  it('stop() cancels blocking reads and resolves once they have ended', async () => {
    const net = new FakePigeonhole();
    const budget = new RequestBudget(4);
    const sched = new ReadScheduler(net.port(), budget, TEST_POLICY);
    const s = newStream();
    let outcome = '';
    sched.add({
      key: 'x',
      group: 'g',
      position: () => ({ readCap: s.readCap, index: s.firstIndex }),
      handle: async (_i, o) => {
        outcome = o.kind;
        return { urgent: false };
      },
    });
    sched.policy.onOutcome('x', 'box', Date.now());
    sched.start();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(sched.policy.inFlight().blocking, 1);
    await sched.stop();
    assert.equal(outcome, 'cancelled');
    assert.equal(budget.free, 4);
  });
});

describe('groupchat engine: file state store', () => {
  it('round-trips records with bytes through DIR/groupchat-state.json, mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-engine-'));
    try {
      const s = newStream();
      const a = FileGroupStateStore.open(dir);
      await a.putGroup({ groupId: asGroupId('g'), selfName: 'me', writeCap: s.writeCap, nextWriteIndex: s.firstIndex, arrivalSeq: 3, status: 'member', createdAtMs: 1 });
      const b = FileGroupStateStore.open(dir);
      const g = await b.getGroup(asGroupId('g'));
      assert.ok(g);
      assert.deepEqual(Buffer.from(g.writeCap), Buffer.from(s.writeCap));
      assert.ok(g.writeCap instanceof Uint8Array);
      assert.equal(g.arrivalSeq, 3);
      assert.equal(statSync(join(dir, 'groupchat-state.json')).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores a Buffer (a Uint8Array with toJSON) in a nested field as bytes, not as {type, data}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-engine-'));
    try {
      const s = newStream();
      const msgId = Buffer.from('0123456789abcdef');
      const a = FileGroupStateStore.open(dir);
      await a.putGroup({ groupId: asGroupId('g'), selfName: 'me', writeCap: Buffer.from(s.writeCap), nextWriteIndex: s.firstIndex, arrivalSeq: 0, status: 'member', createdAtMs: 1 });
      const readCap = s.writeCap.slice(32);
      const ownStream = { writeCap: s.writeCap, nextWriteIndex: s.firstIndex, introduced: true, lastSent: { msgId, counter: '5' } };
      await a.putMember({ groupId: asGroupId('g'), memberKey: memberKeyOf(readCap), displayName: 'p', readCap, cursor: s.firstIndex, source: 'puppet', active: true, addedAtMs: 1, ownStream });
      const b = FileGroupStateStore.open(dir);
      const [m] = await b.listMembers(asGroupId('g'));
      assert.ok(m?.ownStream?.lastSent?.msgId instanceof Uint8Array);
      assert.deepEqual(Buffer.from(m.ownStream.lastSent.msgId), msgId);
      assert.ok((await b.getGroup(asGroupId('g')))?.writeCap instanceof Uint8Array);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a peer state, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-engine-'));
    try {
      writeFileSync(join(dir, 'groupchat-state.json'), '{"groups": 1}');
      assert.throws(() => FileGroupStateStore.open(dir), /groupchat-state\.json: not a katzenbridge peer state file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
