import { strict as assert } from 'node:assert';
import { MemoryGroupStateStore } from '../../../src/groupchat/memory-state-store.js';
import { memberKeyOf } from '../../../src/groupchat/types.js';
import { FakePigeonhole } from './engine-fake-port.js';
import { Peer, isType } from './engine-harness.js';

// Puppet streams (DESIGN.md §3 "Per-user streams"): the bridge's engine writes one stream per
// bridged user, introduced from its own stream, never read back; writes follow the own stream's
// crash-safe rule, and a resend with the same message id is written once.

const G = 'room';
// The bridge passes Buffers (a digest's subarray): keep that shape here.
const msgId = (n: number): Uint8Array => Buffer.alloc(16, n);

async function pair(net: FakePigeonhole, bridgeErrors?: string[]): Promise<[Peer, Peer]> {
  const onError = bridgeErrors ? (where: string) => void bridgeErrors.push(where.replace(/:.*/, '')) : undefined;
  const bridge = new Peer<MemoryGroupStateStore>('bridge', net.port(), undefined, undefined, undefined, onError);
  const alice = new Peer('alice', net.port());
  await bridge.engine.start();
  await alice.engine.start();
  const gb = await bridge.engine.createGroup(G, 'bridge');
  const ga = await alice.engine.createGroup(G, 'alice');
  await bridge.engine.addMember(G, 'alice', ga.record.writeCap.slice(32));
  await alice.engine.addMember(G, 'bridge', gb.record.writeCap.slice(32));
  return [bridge, alice];
}

describe('groupchat engine: puppet streams', () => {
  const peers: Peer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.engine.stop();
  });

  it('introduces a puppet from the bridge stream; its messages reach members under its own key, never echoed to the bridge', async () => {
    const net = new FakePigeonhole();
    const [bridge, alice] = await pair(net);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'bob (Matrix)');
    assert.equal(p.writeCap.length, 168);
    assert.equal(p.memberKey, memberKeyOf(p.writeCap.slice(32)));
    const added = await alice.waitFor(isType('member_added', (e) => e.member === p.memberKey));
    assert.equal(added.displayName, 'bob (Matrix)');
    assert.equal(added.source, 'introduction');

    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'hello from matrix' }, msgId(1));
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'second' }, msgId(2));
    await alice.waitFor(isType('text', (e) => e.text === 'second'));
    const texts = alice.events.filter((e) => e.type === 'text');
    assert.deepEqual(texts.map((e) => e.type === 'text' && [e.text, e.member, e.displayName]), [
      ['hello from matrix', p.memberKey, 'bob (Matrix)'],
      ['second', p.memberKey, 'bob (Matrix)'],
    ]);
    // The puppet counts in the membership hash on both sides (wire §1.8: one set, any viewpoint).
    assert.ok(texts.every((e) => 'membership' in e && e.membership === 'match'));
    // The bridge reads alice but not its own puppet: no text event, no member_added for it.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(bridge.events.filter((e) => e.type === 'text').length, 0);
    assert.equal(bridge.events.filter((e) => e.type === 'member_added' && e.member === p.memberKey).length, 0);
    assert.deepEqual(
      bridge.events.filter((e) => e.type === 'sent' && e.member === p.memberKey).map((e) => e.type === 'sent' && e.counter),
      ['0', '1'].map((c) => (BigInt(texts[0]!.type === 'text' ? texts[0]!.counter : 0) + BigInt(c)).toString()),
    );
  });

  it('a large file goes through a temp stream from the puppet stream', async () => {
    const net = new FakePigeonhole(600);
    const [bridge, alice] = await pair(net);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'carol');
    const payload = new Uint8Array(5000).map((_, i) => i % 251);
    const res = await bridge.engine.sendAs(G, p.writeCap, { kind: 'file', file: { payload, filetype: 'application/octet-stream', basename: 'blob.bin' } }, msgId(3));
    assert.ok(res.boxes > 2, `expected several boxes, got ${res.boxes}`);
    const got = await alice.waitFor(isType('file', (e) => e.member === p.memberKey));
    assert.deepEqual(got.payload, payload);
    assert.equal(got.basename, 'blob.bin');
  });

  it('a failed write is finished with the same bytes on resend, and the same message id is written once', async () => {
    const net = new FakePigeonhole();
    const [bridge, alice] = await pair(net);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'dave');
    await alice.waitFor(isType('member_added', (e) => e.member === p.memberKey));
    net.failWrites = 1;
    await assert.rejects(bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'once' }, msgId(7)), /injected failure/);
    const pending = bridge.engine.group(G).member(p.memberKey)!.ownStream!;
    assert.ok(pending.pendingBox, 'the box is recorded before the write');
    assert.deepEqual(Buffer.from(pending.pendingMsgId!), msgId(7));
    const first = await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'once' }, msgId(7));
    const again = await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'once' }, msgId(7));
    assert.equal(again.counter, first.counter);
    assert.equal(again.boxes, 0, 'nothing written for a message already written');
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'after' }, msgId(8));
    await alice.waitFor(isType('text', (e) => e.text === 'after'));
    assert.deepEqual(alice.texts(G), ['once', 'after']);
  });

  it('after a restart: the pending box is rewritten, a resend with its id is not duplicated, the stream continues', async () => {
    const net = new FakePigeonhole();
    const [bridge, alice] = await pair(net);
    peers.push(alice);
    const p = await bridge.engine.createPuppetStream(G, 'erin');
    await alice.waitFor(isType('member_added', (e) => e.member === p.memberKey));
    net.failWrites = 1;
    await assert.rejects(bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'crash here' }, msgId(9)));
    await bridge.engine.stop();
    const restarted = new Peer('bridge-2', net.port(), new MemoryGroupStateStore(bridge.store.snapshot()));
    peers.push(restarted);
    await restarted.engine.start();
    await alice.waitFor(isType('text', (e) => e.text === 'crash here'));
    // The bridge's outbox did not see it finish, so it sends it again: written once only.
    await restarted.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'crash here' }, msgId(9));
    await restarted.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'next' }, msgId(10));
    await alice.waitFor(isType('text', (e) => e.text === 'next'));
    assert.deepEqual(alice.texts(G), ['crash here', 'next']);
  });

  it('an INTRODUCTION that failed is written before the puppet’s first box (no orphan stream)', async () => {
    const net = new FakePigeonhole();
    const bridgeErrors: string[] = [];
    const [bridge, alice] = await pair(net, bridgeErrors);
    peers.push(bridge, alice);
    // The introduction write fails: createPuppetStream still returns the stream.
    net.failWrites = 1;
    const p = await bridge.engine.createPuppetStream(G, 'henry');
    assert.equal(bridge.engine.group(G).member(p.memberKey)!.ownStream!.introduced, false);
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'hi' }, msgId(11));
    assert.equal(bridge.engine.group(G).member(p.memberKey)!.ownStream!.introduced, true);
    await alice.waitFor(isType('text', (e) => e.text === 'hi'));
    const order = alice.events.filter((e) => (e.type === 'member_added' && e.member === p.memberKey) || e.type === 'text').map((e) => e.type);
    assert.deepEqual(order, ['member_added', 'text']);
    assert.deepEqual(bridgeErrors, ['introduction']);
  });

  it('a new member inducted later learns the puppet from the WhoReply and reads it', async () => {
    const net = new FakePigeonhole();
    const [bridge, alice] = await pair(net);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'frank');
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'before carol' }, msgId(12));
    const carol = new Peer('carol', net.port());
    peers.push(carol);
    await carol.engine.start();
    const voucher = await carol.engine.mintVoucher(G, 'carol');
    const ref = await bridge.engine.requestInduction(G, voucher);
    await bridge.waitFor(isType('join_request'));
    await bridge.engine.approveJoin(G, ref);
    await carol.waitFor(isType('joined'));
    const seen = await carol.waitFor(isType('text', (e) => e.text === 'before carol'));
    assert.equal(seen.member, p.memberKey);
    assert.equal(seen.displayName, 'frank');
  });

  it('refuses a write cap of the wrong length or one that is not a puppet of the group, naming it and writing nothing', async () => {
    const net = new FakePigeonhole();
    const [bridge, alice] = await pair(net);
    peers.push(bridge, alice);
    const writes = net.writes;
    await assert.rejects(bridge.engine.sendAs(G, new Uint8Array(100), { kind: 'text', text: 'x' }), /writeCap: expected 168 bytes, got 100/);
    const own = bridge.engine.group(G).record.writeCap;
    await assert.rejects(bridge.engine.sendAs(G, own, { kind: 'text', text: 'x' }), /writeCap: not a puppet stream of group room/);
    const p = await bridge.engine.createPuppetStream(G, 'gina');
    const tampered = p.writeCap.slice();
    tampered[0]! ^= 1;
    await assert.rejects(bridge.engine.sendAs(G, tampered, { kind: 'text', text: 'x' }), (e: Error) => {
      assert.match(e.message, /not a puppet stream/);
      assert.ok(!e.message.includes(Buffer.from(p.writeCap).toString('hex').slice(0, 16)), 'no cap in the message');
      return true;
    });
    assert.equal(net.writes, writes + 1, 'only the introduction was written');
  });
});
