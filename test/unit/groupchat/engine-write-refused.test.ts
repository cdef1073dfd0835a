import { strict as assert } from 'node:assert';
import { PigeonholeError, type PigeonholePort, type WriteOptions } from '../../../src/groupchat/pigeonhole-port.js';
import { counterOf } from '../../../src/groupchat/types.js';
import { FakePigeonhole } from './engine-fake-port.js';
import { Peer, isType } from './engine-harness.js';

// A write the daemon refuses for good (sender.ts writeBox): the engine writes its streams'
// boxes strictly (thin-client §3.3), so a box someone else already wrote at a puppet's next index
// is a refusal, not a silent "success"; after a refusal the stream's stored state is what it was
// before the attempt, and an identical rewrite (a resend) is still success.

const G = 'room';
const msgId = (n: number): Uint8Array => Buffer.alloc(16, n);

/** The fake network with the replicas' verdict for strict writes, as the daemon gives it with
 *  no_idempotent_box_already_exists, plus one-shot refusals and lost replies. */
class StrictNet {
  readonly net = new FakePigeonhole();
  readonly strictWrites: boolean[] = [];
  /** Refuse the next write with this final verdict. */
  refuseNext: 'payload_too_large' | undefined;
  /** Store the next write but lose its reply (a retriable failure after the box landed). */
  loseNextReply = false;

  port(): PigeonholePort {
    const inner = this.net.port();
    return {
      ...inner,
      writeBox: async (cap: Uint8Array, index: Uint8Array, pt: Uint8Array, o?: WriteOptions) => {
        this.strictWrites.push(o?.strict === true);
        if (this.refuseNext) {
          const kind = this.refuseNext;
          this.refuseNext = undefined;
          throw new PigeonholeError('write', 27, 'payload too large', { kind, retriable: false });
        }
        if (o?.strict) {
          const there = await inner.readBox(cap.subarray(32), index, { blocking: false });
          if (there.kind === 'box' && Buffer.compare(there.plaintext, pt) !== 0) {
            throw new PigeonholeError('write', 10, 'box already exists with different contents', { kind: 'box_already_exists', retriable: false });
          }
        }
        const r = await inner.writeBox(cap, index, pt);
        if (this.loseNextReply) {
          this.loseNextReply = false;
          throw new PigeonholeError('write', -1, 'the thin client is closed');
        }
        return r;
      },
    };
  }
}

async function pair(s: StrictNet): Promise<[Peer, Peer]> {
  const bridge = new Peer('bridge', s.port());
  const alice = new Peer('alice', s.net.port());
  await bridge.engine.start();
  await alice.engine.start();
  const gb = await bridge.engine.createGroup(G, 'bridge');
  const ga = await alice.engine.createGroup(G, 'alice');
  await bridge.engine.addMember(G, 'alice', ga.record.writeCap.slice(32));
  await alice.engine.addMember(G, 'bridge', gb.record.writeCap.slice(32));
  return [bridge, alice];
}

describe('groupchat engine: writes refused for good', () => {
  const peers: Peer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.engine.stop();
  });

  it('a box someone else wrote at the puppet’s next index: refused, the stored stream is left as it was, later messages never skip past it', async () => {
    const s = new StrictNet();
    const [bridge, alice] = await pair(s);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'dave');
    const one = await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'one' }, msgId(1));
    const before = bridge.engine.group(G).member(p.memberKey)!.ownStream!;
    // A second copy of the bridge (same write cap) writes its own box at the next index.
    s.net.put(p.writeCap, before.nextWriteIndex, new Uint8Array([0x46, 0xa0]));
    const writes = s.net.writes;
    for (const [n, text] of [[2, 'two'], [3, 'three']] as const) {
      await assert.rejects(bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text }, msgId(n)), (e: unknown) => {
        assert.ok(e instanceof PigeonholeError, String(e));
        assert.equal(e.kind, 'box_already_exists');
        assert.equal(e.retriable, false);
        return true;
      });
      const after = bridge.engine.group(G).member(p.memberKey)!.ownStream!;
      assert.deepEqual(after.nextWriteIndex, before.nextWriteIndex, 'the index did not advance');
      assert.equal(after.pendingBox, undefined, 'no refused box is left to rewrite');
      assert.equal(after.pendingMsgId, undefined);
      assert.deepEqual(after.lastSent, before.lastSent);
      assert.equal(after.introduced, true);
      assert.deepEqual(after.writeCap, before.writeCap);
    }
    assert.equal(s.net.writes, writes, 'nothing was stored by the refused writes');
    assert.equal(bridge.events.filter((e) => e.type === 'sent' && e.member === p.memberKey).length, 1, 'only "one" counts as sent');
    // The stream's own boxes (the INTRODUCTION on the bridge stream, the puppet's) were strict.
    assert.ok(s.strictWrites.length >= 4 && s.strictWrites.every(Boolean), JSON.stringify(s.strictWrites));
    await alice.waitFor(isType('text', (e) => e.text === 'one'));
    assert.equal(BigInt(one.counter) + 1n, counterOf(before.nextWriteIndex), 'the refused index is the one after "one"');
  });

  it('an identical rewrite stays success: a box that landed but whose reply was lost is resent once, not refused', async () => {
    const s = new StrictNet();
    const [bridge, alice] = await pair(s);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'erin');
    await alice.waitFor(isType('member_added', (e) => e.member === p.memberKey));
    s.loseNextReply = true;
    await assert.rejects(bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'landed' }, msgId(4)), (e: unknown) => e instanceof PigeonholeError && e.retriable);
    assert.ok(bridge.engine.group(G).member(p.memberKey)!.ownStream!.pendingBox, 'a retriable failure keeps the box to finish');
    const again = await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'landed' }, msgId(4));
    assert.equal(again.boxes, 1);
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'next' }, msgId(5));
    await alice.waitFor(isType('text', (e) => e.text === 'next'));
    assert.deepEqual(alice.texts(G), ['landed', 'next']);
  });

  it('a refusal that is not about the index (too large) does not hold the stream: the next message takes that index', async () => {
    const s = new StrictNet();
    const [bridge, alice] = await pair(s);
    peers.push(bridge, alice);
    const p = await bridge.engine.createPuppetStream(G, 'frank');
    await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'one' }, msgId(6));
    const at = bridge.engine.group(G).member(p.memberKey)!.ownStream!.nextWriteIndex;
    s.refuseNext = 'payload_too_large';
    await assert.rejects(bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'two' }, msgId(7)), /payload too large/);
    const three = await bridge.engine.sendAs(G, p.writeCap, { kind: 'text', text: 'three' }, msgId(8));
    assert.equal(three.counter, counterOf(at).toString());
    await alice.waitFor(isType('text', (e) => e.text === 'three'));
    assert.deepEqual(alice.texts(G), ['one', 'three']);
  });
});
