import { strict as assert } from 'node:assert';
import { EngineGroupSide, toGroupInbound, type BridgeCore, type CommandCaller } from '../../src/bridge/index.js';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, asFrontendUserId } from '../../src/ids/index.js';
import { FakePigeonhole } from '../unit/groupchat/engine-fake-port.js';
import { Peer, isType } from '../unit/groupchat/engine-harness.js';
import { ADMIN, Harness } from '../unit/bridge/harness.js';

// The bridge core on the real group chat engine (issue 4) over the engine's in-memory daemon
// fake, with a Katzenpost member (a second engine) on the same fake network: create, join by
// voucher with approve / deny, and messages from the member shown on the fake frontend.

const admin: CommandCaller = { frontend: asFrontendId('fake'), userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const ROOM = '!club:x';

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('bridge core on the group chat engine (integration)', () => {
  let net: FakePigeonhole;
  let bridge: Peer;
  let alice: Peer;
  let h: Harness;
  let core: BridgeCore | undefined;

  beforeEach(async () => {
    net = new FakePigeonhole();
    bridge = new Peer('bridge', net.port(), undefined, undefined, async (e) => {
      const inbound = toGroupInbound(e);
      if (inbound && core) await core.groupEvent(inbound);
    });
    alice = new Peer('alice', net.port());
    await bridge.engine.start();
    await alice.engine.start();
    h = await new Harness({ groupSide: new EngineGroupSide(bridge.engine) }).open();
    core = h.core;
    const r = await core.adminCommand(admin, 'create Book Club');
    assert.ok(r.ok, r.text);
    assert.ok((await core.adminCommand(admin, `link book-club ${ROOM}`)).ok);
  });
  afterEach(async () => {
    core = undefined;
    await bridge.engine.stop();
    await alice.engine.stop();
    await h.close();
  });

  async function requestFromAlice(): Promise<number> {
    const voucher = await alice.engine.mintVoucher('club', 'alice');
    const r = await h.core.adminCommand(admin, `induct book-club ${voucher}`);
    assert.ok(r.ok, r.text);
    await waitUntil('the join request', async () => (await h.core.stores.joins.pending()).length === 1);
    return (await h.core.stores.joins.pending())[0]!.id;
  }

  it('a voucher becomes a join request notice; approve inducts; the member’s messages show in order', async () => {
    const id = await requestFromAlice();
    await h.settle(50);
    assert.ok(h.frontend.texts(ROOM).some((t) => t.startsWith(`Join request #${id}: "alice" asks to join (by voucher).`)), h.frontend.texts(ROOM).join('\n'));
    assert.ok((await h.core.adminCommand(admin, `approve ${id}`)).ok);
    await alice.waitFor(isType('joined'));
    for (const t of ['one', 'two', 'three']) await alice.engine.sendText('club', t);
    await waitUntil('three messages', () => h.frontend.in(ROOM).filter((s) => s.type === 'message').length === 3);
    const msgs = h.frontend.in(ROOM).filter((s) => s.type === 'message');
    assert.deepEqual(msgs.map((s) => s.text), ['one', 'two', 'three']);
    assert.equal(h.frontend.ghosts.get(msgs[0]!.ghost!), 'alice');
    const members = await h.core.adminCommand(admin, 'members book-club');
    assert.match(members.text, /^Book Club: 1 member besides the bridge\.\nalice \[/);
  });

  it('deny: the engine writes nothing to the group and alice never joins', async () => {
    const id = await requestFromAlice();
    const writesBefore = net.writes;
    assert.ok((await h.core.adminCommand(admin, `deny ${id}`)).ok);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(net.writes, writesBefore);
    assert.equal(alice.events.filter((e) => e.type === 'joined').length, 0);
    assert.equal((await h.core.adminCommand(admin, 'members book-club')).text, 'Book Club: 0 members besides the bridge.');
  });

  it('without per-user streams in the engine, a bridged user’s message fails with a clear notice', async () => {
    await h.core.userMessage({
      frontend: asFrontendId('fake'),
      room: asFrontendRoomId(ROOM),
      eventId: asFrontendEventId('$1'),
      sender: { userId: asFrontendUserId('@u:x'), displayName: 'u' },
      message: { kind: 'text', text: 'hello' },
    });
    await h.settle(50);
    assert.ok(h.frontend.texts(ROOM).includes('Your message "hello" was not delivered to the group: this bridge cannot give bridged users their own stream yet, so the group cannot receive it.'));
  });
});
