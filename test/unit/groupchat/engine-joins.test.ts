import { strict as assert } from 'node:assert';
import { FakePigeonhole } from './engine-fake-port.js';
import { Peer, isType } from './engine-harness.js';

const G = 'room';

describe('groupchat engine: joining with contact vouchers', () => {
  const peers: Peer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.engine.stop();
  });

  async function started(net: FakePigeonhole, name: string): Promise<Peer> {
    const p = new Peer(name, net.port());
    peers.push(p);
    await p.engine.start();
    return p;
  }

  it('joiner mints, inductor approves: both sides hold each other, the joiner writes with the mutated cap', async () => {
    const net = new FakePigeonhole();
    const alice = await started(net, 'alice');
    const bob = await started(net, 'bob');
    await alice.engine.createGroup(G, 'alice');
    const voucher = await bob.engine.mintVoucher(G, 'bob');
    assert.equal(voucher.length, 44);
    const requestId = await alice.engine.requestInduction(G, voucher);
    const req = await alice.waitFor(isType('join_request'));
    assert.equal(req.requestedName, 'bob');
    assert.equal(req.requestId, requestId);
    assert.equal(alice.engine.group(G).members().length, 0, 'nothing happens before approval');

    const member = await alice.engine.approveJoin(G, requestId);
    assert.equal(member.displayName, 'bob');
    assert.equal(member.source, 'inducted');
    const joined = await bob.waitFor(isType('joined'));
    assert.equal(joined.members, 1);
    const gb = bob.engine.group(G);
    assert.equal(gb.record.status, 'member');
    assert.equal(gb.members()[0]!.displayName, 'alice');
    // Bob's write cap is the mutated one, which alice's stored read cap addresses (wire §4).
    assert.deepEqual(Buffer.from(gb.record.writeCap.subarray(32)), Buffer.from(member.readCap));
    assert.deepEqual(await alice.engine.pendingJoins(G), []);

    await bob.engine.sendText(G, 'hi from bob');
    await alice.waitFor(isType('text', (e) => e.text === 'hi from bob'));
    await alice.engine.sendText(G, 'welcome');
    await bob.waitFor(isType('text', (e) => e.text === 'welcome'));
    // Both hash {alice, bob}; the INTRODUCTION alice sent names bob, whom bob skips as himself.
    const intro = await bob.waitFor(isType('introduction'));
    assert.equal(intro.added, false);
    assert.deepEqual(Buffer.from(alice.engine.group(G).membershipHash()), Buffer.from(gb.membershipHash()));
  });

  it('an INTRODUCTION adds the new member for every other member (third member joins)', async () => {
    const net = new FakePigeonhole();
    const [alice, bob, carol] = [await started(net, 'alice'), await started(net, 'bob'), await started(net, 'carol')];
    await alice.engine.createGroup(G, 'alice');
    const vb = await bob.engine.mintVoucher(G, 'bob');
    await alice.engine.approveJoin(G, await induct(alice, vb));
    await bob.waitFor(isType('joined'));
    const vc = await carol.engine.mintVoucher(G, 'carol');
    await alice.engine.approveJoin(G, await induct(alice, vc, 1));
    await carol.waitFor(isType('joined'));
    const carolKey = carol.engine.group(G).selfKey;
    const intro = await bob.waitFor(isType('introduction', (e) => e.introduced === carolKey));
    assert.equal(intro.added, true);
    assert.equal(intro.introducedName, 'carol');
    assert.equal(carol.engine.group(G).members().length, 2, 'carol got alice and bob from the WhoReply');
    await carol.engine.sendText(G, 'hello both');
    await bob.waitFor(isType('text', (e) => e.text === 'hello both'));
    await alice.waitFor(isType('text', (e) => e.text === 'hello both'));
    const hashes = [alice, bob, carol].map((p) => Buffer.from(p.engine.group(G).membershipHash()).toString('hex'));
    assert.equal(new Set(hashes).size, 1, 'all three agree on the membership hash');
  });

  it('deny writes nothing to the group or the voucher stream', async () => {
    const net = new FakePigeonhole();
    const alice = await started(net, 'alice');
    const bob = await started(net, 'bob');
    await alice.engine.createGroup(G, 'alice');
    const id = await induct(alice, await bob.engine.mintVoucher(G, 'bob'));
    const writes = net.writes;
    const boxes = net.boxes.size;
    await alice.engine.denyJoin(G, id);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(net.writes, writes);
    assert.equal(net.boxes.size, boxes);
    assert.deepEqual(await alice.engine.pendingJoins(G), []);
    assert.equal(alice.engine.group(G).members().length, 0);
    await assert.rejects(alice.engine.approveJoin(G, id), RangeError);
  });

  it('rename: approve with another name adds and introduces the joiner under it', async () => {
    const net = new FakePigeonhole();
    const [alice, bob, carol] = [await started(net, 'alice'), await started(net, 'bob'), await started(net, 'carol')];
    await alice.engine.createGroup(G, 'alice');
    await alice.engine.approveJoin(G, await induct(alice, await bob.engine.mintVoucher(G, 'bob')));
    await bob.waitFor(isType('joined'));
    const id = await induct(alice, await carol.engine.mintVoucher(G, ':substream:7'), 1);
    const m = await alice.engine.approveJoin(G, id, 'Carol (renamed)');
    assert.equal(m.displayName, 'Carol (renamed)');
    const intro = await bob.waitFor(isType('introduction', (e) => e.introducedName === 'Carol (renamed)'));
    assert.equal(intro.added, true);
  });

  it('an invalid voucher is refused with a clear error and nothing is stored', async () => {
    const net = new FakePigeonhole();
    const alice = await started(net, 'alice');
    await alice.engine.createGroup(G, 'alice');
    await assert.rejects(alice.engine.requestInduction(G, 'AAAA'), /voucher: expected 32 bytes/);
    assert.deepEqual(await alice.engine.pendingJoins(G), []);
  });
});

/** Alice reads the voucher's box 0; resolves with the request id once the join_request is in. */
async function induct(alice: Peer, voucher: string, already = 0): Promise<string> {
  const id = await alice.engine.requestInduction(G, voucher);
  const deadline = Date.now() + 5000;
  while (alice.events.filter((e) => e.type === 'join_request').length <= already) {
    if (Date.now() > deadline) throw new Error('no join_request');
    await new Promise((r) => setTimeout(r, 2));
  }
  return id;
}
