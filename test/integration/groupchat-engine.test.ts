import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, FAST_OPTIONS, withOptions } from '../../src/katzenpost/emulator/index.js';
import { connectPigeonhole } from '../../src/groupchat/client-port.js';
import { MemoryGroupStateStore, type PigeonholePort } from '../../src/groupchat/index.js';
import { Peer, isType } from '../unit/groupchat/engine-harness.js';

// Issue 4 through the real thin client and the emulator: three members create a group and join
// by voucher, exchange text and a multi-box file, one restarts halfway through a large message
// and still gets it, and a fourth joins later and is introduced to everyone.
const G = 'katzen';

describe('groupchat engine through the thin client and the emulator', function () {
  this.timeout(60_000);
  let dir: string;
  let emulator: Emulator;
  let address: string;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-gc-int-'));
    // A little latency, so "halfway through a large message" is a state we can stop in.
    emulator = await Emulator.start({ options: withOptions(FAST_OPTIONS, { latency: { kind: 'fixed', ms: 15 } }) });
    address = await emulator.listen(join(dir, 'kpclientd.sock'));
  });

  after(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function member(name: string, store = new MemoryGroupStateStore()): Promise<Peer> {
    return (await memberWithPort(name, store)).peer;
  }

  async function memberWithPort(name: string, store = new MemoryGroupStateStore()): Promise<{ peer: Peer; port: PigeonholePort }> {
    const conn = await connectPigeonhole(address);
    const p = new Peer(name, conn.port, store);
    await p.engine.start();
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await p.engine.stop();
      await conn.close();
    };
    closers.push(close);
    (p as Peer & { close?: () => Promise<void> }).close = close;
    return { peer: p, port: conn.port };
  }
  const close = (p: Peer): Promise<void> => (p as Peer & { close: () => Promise<void> }).close();

  async function joinGroup(inductor: Peer, joiner: Peer, name: string): Promise<void> {
    const voucher = await joiner.engine.mintVoucher(G, name);
    const before = inductor.events.filter((e) => e.type === 'join_request').length;
    const id = await inductor.engine.requestInduction(G, voucher);
    const deadline = Date.now() + 20_000;
    while (inductor.events.filter((e) => e.type === 'join_request').length <= before) {
      if (Date.now() > deadline) throw new Error(`no join request for ${name}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await inductor.engine.approveJoin(G, id);
    await joiner.waitFor(isType('joined'), 20_000);
  }

  it('three members create, join by voucher, and exchange text and a multi-box file; a restart mid-file still gets it; a fourth is introduced to all', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const carol = await member('carol');
    await alice.engine.createGroup(G, 'alice');
    await joinGroup(alice, bob, 'bob');
    await joinGroup(bob, carol, 'carol');
    // Carol was inducted by bob; alice learns of her from bob's INTRODUCTION.
    await alice.waitFor(isType('member_added', (e) => e.displayName === 'carol'), 20_000);

    await alice.engine.sendText(G, 'hello from alice');
    await bob.engine.sendText(G, 'hello from bob');
    await carol.engine.sendText(G, 'hello from carol');
    for (const [p, others] of [[alice, ['bob', 'carol']], [bob, ['alice', 'carol']], [carol, ['alice', 'bob']]] as const) {
      for (const o of others) await p.waitFor(isType('text', (e) => e.text === `hello from ${o}`), 20_000);
    }

    const file = new Uint8Array(7000).map((_, i) => (i * 31) % 256);
    const sent = await bob.engine.sendFile(G, { payload: file, filetype: 'application/octet-stream', basename: 'seven.bin' });
    assert.ok(sent.boxes >= 5, `a multi-box file (${sent.boxes} boxes)`);
    const got = await alice.waitFor(isType('file', (e) => e.basename === 'seven.bin'), 20_000);
    assert.deepEqual(Buffer.from(got.payload), Buffer.from(file));

    // Carol stops halfway through a large message, then restarts on her stored state.
    await close(carol);
    const big = new Uint8Array(12_000).fill(0x5a);
    await alice.engine.sendFile(G, { payload: big, filetype: 'application/octet-stream', basename: 'big.bin' });
    await alice.engine.sendText(G, 'after the big one');
    const mid = new MemoryGroupStateStore(carol.store.snapshot());
    const carol1 = await member('carol-1', mid);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const t = mid.snapshot().members.find((m) => m.transfer);
      if (t && t.transfer!.reassembly.pieces.length >= 2) break;
      if (Date.now() > deadline) throw new Error('carol never got halfway');
      await new Promise((r) => setTimeout(r, 2));
    }
    await close(carol1);
    assert.equal(carol1.events.some((e) => e.type === 'file' && e.basename === 'big.bin'), false, 'stopped before the end');
    const carol2 = await member('carol-2', new MemoryGroupStateStore(mid.snapshot()));
    const bigGot = await carol2.waitFor(isType('file', (e) => e.basename === 'big.bin'), 20_000);
    assert.equal(bigGot.payload.length, big.length);
    assert.ok(bigGot.payload.every((x) => x === 0x5a));
    await carol2.waitFor(isType('text', (e) => e.text === 'after the big one'), 20_000);
    const order = carol2.events.filter((e) => (e.type === 'file' && e.basename === 'big.bin') || (e.type === 'text' && e.text === 'after the big one'));
    assert.deepEqual(order.map((e) => e.type), ['file', 'text'], 'order within alice\'s stream kept');

    // A fourth member joins later through alice and is introduced to everyone.
    const dave = await member('dave');
    await joinGroup(alice, dave, 'dave');
    for (const p of [bob, carol2]) await p.waitFor(isType('introduction', (e) => e.introducedName === 'dave' && e.added), 20_000);
    await dave.engine.sendText(G, 'hi, I am dave');
    for (const p of [alice, bob, carol2]) await p.waitFor(isType('text', (e) => e.text === 'hi, I am dave'), 20_000);
    // Dave read everyone's history from their first box.
    await dave.waitFor(isType('text', (e) => e.text === 'hello from carol'), 20_000);
    assert.equal(dave.engine.group(G).members().length, 3);
    const hashes = [alice, bob, carol2, dave].map((p) => Buffer.from(p.engine.group(G).membershipHash()).toString('hex'));
    assert.equal(new Set(hashes).size, 1, 'all four agree on the v1 membership hash');
  });

  it('a tombstone on a member stream is skipped and a box with a bad framing byte is reported, reading on', async () => {
    const { peer: erin, port } = await memberWithPort('erin');
    const frank = await member('frank');
    const ge = await erin.engine.createGroup('odd', 'erin');
    const gf = await frank.engine.createGroup('odd', 'frank');
    await frank.engine.addMember('odd', 'erin', ge.record.writeCap.slice(32));
    await erin.engine.addMember('odd', 'frank', gf.record.writeCap.slice(32));
    // Raw boxes on erin's own stream: a tombstone (empty write, thin-client §2.3), then 'X...'.
    let at = ge.record.nextWriteIndex;
    at = (await port.writeBox(ge.record.writeCap, at, new Uint8Array(0))).nextIndex;
    at = (await port.writeBox(ge.record.writeCap, at, new TextEncoder().encode('X not a frame'))).nextIndex;
    await ge.updateGroup({ ...ge.record, nextWriteIndex: at });
    await erin.engine.sendText('odd', 'after the odd boxes');
    await frank.waitFor(isType('text', (e) => e.text === 'after the odd boxes'), 20_000);
    const errors = frank.events.filter((e) => e.type === 'box_error');
    assert.deepEqual(errors.map((e) => e.type === 'box_error' && e.code), ['bad_framing_byte'], 'the tombstone is silent, the bad box is reported once');
  });
});
