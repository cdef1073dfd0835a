import { strict as assert } from 'node:assert';
import { MemoryGroupStateStore } from '../../../src/groupchat/memory-state-store.js';
import { FakePigeonhole } from './engine-fake-port.js';
import { Peer, TEST_POLICY, isType } from './engine-harness.js';

const G = 'room';

async function pair(net: FakePigeonhole): Promise<[Peer, Peer]> {
  const a = new Peer('alice', net.port());
  const b = new Peer('bob', net.port());
  await a.engine.start();
  await b.engine.start();
  const ga = await a.engine.createGroup(G, 'alice');
  const gb = await b.engine.createGroup(G, 'bob');
  await a.engine.addMember(G, 'bob', gb.record.writeCap.slice(32));
  await b.engine.addMember(G, 'alice', ga.record.writeCap.slice(32));
  return [a, b];
}

describe('groupchat engine: flows on a fake daemon', () => {
  const peers: Peer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.engine.stop();
  });

  it('delivers text in write order within a stream, with (member, counter) ids and arrival seqs', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a, b);
    for (const t of ['one', 'two', 'three']) await a.engine.sendText(G, t);
    await b.waitFor(isType('text', (e) => e.text === 'three'));
    const got = b.events.filter((e) => e.type === 'text');
    assert.deepEqual(got.map((e) => e.type === 'text' && e.text), ['one', 'two', 'three']);
    const counters = got.map((e) => BigInt((e as { counter: string }).counter));
    assert.equal(counters[1]! - counters[0]!, 1n);
    assert.equal(counters[2]! - counters[1]!, 1n);
    const seqs = got.map((e) => (e as { seq: number }).seq);
    assert.deepEqual(seqs, [seqs[0]!, seqs[0]! + 1, seqs[0]! + 2]);
    // The v1 membership hashes agree (both hold {alice, bob}).
    assert.ok(got.every((e) => 'membership' in e && e.membership === 'match'));
    assert.deepEqual(
      Buffer.from(a.engine.group(G).membershipHash()).toString('hex'),
      Buffer.from(b.engine.group(G).membershipHash()).toString('hex'),
    );
  });

  it('sends a multi-box file through a temp stream and an I pointer; a small file in one box', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a, b);
    const big = new Uint8Array(5000).map((_, i) => i % 251);
    const res = await a.engine.sendFile(G, { payload: big, filetype: 'application/octet-stream', basename: 'big.bin' });
    assert.equal(res.boxes, 5, '5000 bytes + envelope = 4 temp boxes of 1529 + the I box');
    const small = await a.engine.sendFile(G, { payload: new Uint8Array([1, 2, 3]), filetype: 'image/png', basename: 'x.png' });
    assert.equal(small.boxes, 1);
    const f = await b.waitFor(isType('file', (e) => e.basename === 'x.png'));
    const files = b.events.filter((e) => e.type === 'file');
    assert.equal(files.length, 2);
    const first = files[0]!;
    assert.ok(first.type === 'file' && first.basename === 'big.bin');
    assert.deepEqual(first.type === 'file' && Buffer.from(first.payload), Buffer.from(big));
    assert.equal(first.type === 'file' && BigInt(first.counter) + 1n, BigInt(f.counter), 'the big file keeps its I-box place');
  });

  it('a restart halfway through a large message resumes at the next temp box and delivers it once', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a);
    // Bob reads only the first temp boxes before "crashing": his handler refuses to go on.
    await b.engine.stop();
    const big = new Uint8Array(6000).fill(7);
    await a.engine.sendFile(G, { payload: big, filetype: 'application/octet-stream', basename: 'big.bin' });
    await a.engine.sendText(G, 'after');
    // Restart 1: stop once the transfer has read 2 temp boxes (state committed after each).
    const store1 = new MemoryGroupStateStore(b.store.snapshot());
    const b1 = new Peer('bob-1', net.port(), store1);
    await b1.engine.start();
    const deadline = Date.now() + 5000;
    for (;;) {
      const m = store1.snapshot().members.find((x) => x.transfer);
      if (m && m.transfer!.reassembly.pieces.length >= 2) break;
      if (Date.now() > deadline) throw new Error('transfer never reached 2 pieces');
      await new Promise((r) => setImmediate(r));
    }
    await b1.engine.stop();
    const snap = store1.snapshot();
    const mid = snap.members.find((x) => x.transfer)!;
    assert.ok(mid, 'the transfer state was persisted');
    const pieces = mid.transfer!.reassembly.pieces.length;
    assert.ok(pieces >= 2 && pieces < 4, `stopped halfway (${pieces} of 4 C pieces)`);
    assert.equal(b1.events.filter((e) => e.type === 'file').length, 0);
    // Restart 2 on the persisted state: gets the file, then the later text, in order.
    const readsBefore = net.reads;
    const b2 = new Peer('bob-2', net.port(), new MemoryGroupStateStore(snap));
    peers.push(b2);
    await b2.engine.start();
    await b2.waitFor(isType('text', (e) => e.text === 'after'));
    const kinds = b2.events.filter((e) => e.type === 'file' || e.type === 'text').map((e) => e.type);
    assert.deepEqual(kinds, ['file', 'text']);
    const file = b2.events.find((e) => e.type === 'file');
    assert.ok(file?.type === 'file' && file.payload.length === 6000 && file.payload.every((x) => x === 7));
    assert.ok(net.reads - readsBefore < 20, 'resumed, not re-read from the start');
  });

  it('catches up a backlog after downtime box by box, in order, without backing off between boxes', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a);
    await b.engine.stop();
    for (let i = 0; i < 30; i++) await a.engine.sendText(G, `m${i}`);
    const b2 = new Peer('bob-2', net.port(), new MemoryGroupStateStore(b.store.snapshot()), { ...TEST_POLICY, minBackoffMs: 60_000, maxBackoffMs: 60_000 });
    peers.push(b2);
    const readsBefore = net.reads;
    await b2.engine.start();
    await b2.waitFor(isType('text', (e) => e.text === 'm29'));
    assert.deepEqual(b2.texts(G), Array.from({ length: 30 }, (_, i) => `m${i}`));
    assert.ok(net.reads - readsBefore <= 33, `${net.reads - readsBefore} reads for 30 boxes: one per box, no backoff waits`);
  });

  it('drops a duplicate or stale reply: the cursor moves by exactly one box', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a, b);
    await a.engine.sendText(G, 'once');
    const e = await b.waitFor(isType('text'));
    const state = b.engine.group(G);
    const m = state.member(e.member)!;
    // Replay the same box at the index already consumed: not current, nothing emitted.
    const { handleMemberRead } = await import('../../../src/groupchat/member-reader.js');
    const before = b.events.length;
    const old = new Uint8Array(m.readCap.slice(32));
    await handleMemberRead({ state, emit: async (x) => void b.events.push(x), nowMs: Date.now }, m.memberKey, old, {
      kind: 'box',
      plaintext: new Uint8Array([0x46]),
      nextIndex: m.cursor,
    });
    assert.equal(b.events.length, before);
    assert.equal(state.isCurrent(m.memberKey, old), false);
  });

  it('records a bad box (framing byte, bad CBOR) as box_error and reads on', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(a, b);
    const ga = a.engine.group(G);
    // Write garbage straight into alice's stream, then a real message after it.
    net.put(ga.record.writeCap, ga.record.nextWriteIndex, new Uint8Array([0x58, 1, 2]));
    const { MessageBoxIndex } = await import('../../../src/bacap/index.js');
    const next = MessageBoxIndex.fromBytes(ga.record.nextWriteIndex).next().toBytes();
    net.put(ga.record.writeCap, next, new Uint8Array([0x46, 0xff]));
    await ga.updateGroup({ ...ga.record, nextWriteIndex: MessageBoxIndex.fromBytes(next).next().toBytes() });
    await a.engine.sendText(G, 'still here');
    await b.waitFor(isType('text', (e) => e.text === 'still here'));
    const errors = b.events.filter((e) => e.type === 'box_error');
    assert.deepEqual(errors.map((e) => e.type === 'box_error' && e.code), ['bad_framing_byte', 'cbor_malformed']);
  });

  it('a write that fails leaves the box pending and is retried with the same bytes at the same index', async () => {
    const net = new FakePigeonhole();
    const [a, b] = await pair(net);
    peers.push(b);
    net.failWrites = 1;
    await assert.rejects(a.engine.sendText(G, 'retry me'), /injected failure/);
    const rec = a.engine.group(G).record;
    assert.ok(rec.pendingOwnBox, 'the box is recorded as pending');
    await a.engine.stop();
    const a2 = new Peer('alice-2', net.port(), new MemoryGroupStateStore(a.store.snapshot()));
    peers.push(a2);
    await a2.engine.start();
    await b.waitFor(isType('text', (e) => e.text === 'retry me'));
    await a2.engine.sendText(G, 'next');
    await b.waitFor(isType('text', (e) => e.text === 'next'));
    assert.deepEqual(b.texts(G), ['retry me', 'next']);
  });
});
