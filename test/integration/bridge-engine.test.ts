import { strict as assert } from 'node:assert';
import { EngineGroupSide, toGroupInbound, type BridgeCore, type CommandCaller } from '../../src/bridge/index.js';
import type { MemoryGroupStateStore } from '../../src/groupchat/memory-state-store.js';
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
    bridge = new Peer<MemoryGroupStateStore>('bridge', net.port(), undefined, undefined, async (e) => {
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

  it('a bridged user writes through their own puppet stream: alice reads it under the puppet name, the room never sees it echoed', async () => {
    const id = await requestFromAlice();
    assert.ok((await h.core.adminCommand(admin, `approve ${id}`)).ok);
    await alice.waitFor(isType('joined'));
    const say = (eventId: string, message: { kind: 'text' | 'emote'; text: string }) =>
      h.core.userMessage({
        frontend: asFrontendId('fake'),
        room: asFrontendRoomId(ROOM),
        eventId: asFrontendEventId(eventId),
        sender: { userId: asFrontendUserId('@u:x'), displayName: 'Uma' },
        message,
      });
    await say('$1', { kind: 'text', text: 'hello from the room' });
    await say('$2', { kind: 'emote', text: 'waves' });
    const intro = await alice.waitFor(isType('member_added', (e) => e.source === 'introduction'));
    await alice.waitFor(isType('text', (e) => e.text === '/me waves'));
    const texts = alice.events.filter((e) => e.type === 'text');
    assert.deepEqual(texts.map((e) => e.type === 'text' && [e.text, e.member]), [
      ['hello from the room', intro.member],
      ['/me waves', intro.member],
    ]);
    assert.match(intro.displayName, /Uma/);
    // One stream per user: both messages came from the same new member, which is not the bridge.
    assert.notEqual(intro.member, bridge.engine.group(bridge.engine.groupIds()[0]!).selfKey);
    // Alice answers with an emote: it shows as an emote from her ghost, and nothing of Uma's comes back.
    await alice.engine.sendText('club', '/me waves back');
    await waitUntil('alice’s emote', () => h.frontend.in(ROOM).some((s) => s.type === 'message' && s.text === 'waves back'));
    const shown = h.frontend.in(ROOM).filter((s) => s.type === 'message');
    assert.deepEqual(shown.map((s) => [s.text, s.kind]), [['waves back', 'emote']]);
    const noticeTexts = h.frontend.texts(ROOM).join('\n');
    assert.ok(!/not delivered/.test(noticeTexts), noticeTexts);
  });
});
