import { strict as assert } from 'node:assert';
import { EngineGroupSide, toGroupInbound, type BridgeCore, type CommandCaller } from '../../src/bridge/index.js';
import { connectPigeonhole } from '../../src/groupchat/client-port.js';
import { MemoryGroupStateStore } from '../../src/groupchat/index.js';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, asFrontendUserId } from '../../src/ids/index.js';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { startEmulator, type EmulatorFixture } from '../support/emulator-fixture.js';
import { scanForSecrets } from '../support/secret-scan.js';
import { Peer, isType } from '../unit/groupchat/engine-harness.js';
import { ADMIN, Harness } from '../unit/bridge/harness.js';

// A bridged user's message that the daemon refuses for good (DESIGN.md §4 "Failures are shown
// where the message was sent"), through the real engine, thin client and emulator: someone else
// (a second copy of the bridge, say) writes a box at the user's puppet stream's next index; her
// next message is refused by the replicas (strict write, code 10), gets one notice next to it,
// leaves the engine's stream state as it was, and the queue moves on to the next user's message.

const admin: CommandCaller = { frontend: asFrontendId('fake'), userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const ROOM = '!club:x';

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('bridge delivery failure through the engine and the emulator (integration)', function () {
  this.timeout(30_000);
  let emu: EmulatorFixture;
  const closers: Array<() => Promise<void>> = [];
  let core: BridgeCore | undefined;

  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    core = undefined;
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    await emu.stop();
  });

  it('a box someone else wrote at her puppet’s next index: her message fails once with a plain notice beside it, the stream state is kept, the next user’s message is delivered', async () => {
    const bridgeConn = await connectPigeonhole(emu.address);
    closers.push(() => bridgeConn.close());
    const engineErrors: string[] = [];
    const bridge = new Peer(
      'bridge',
      bridgeConn.port,
      new MemoryGroupStateStore(),
      undefined,
      async (e) => {
        const inbound = toGroupInbound(e);
        if (inbound && core) await core.groupEvent(inbound);
      },
      (where) => void engineErrors.push(where),
    );
    await bridge.engine.start();
    closers.push(() => bridge.engine.stop());
    const kimConn = await connectPigeonhole(emu.address);
    closers.push(() => kimConn.close());
    const kim = new Peer('kim', kimConn.port, new MemoryGroupStateStore(), undefined, undefined, () => undefined);
    await kim.engine.start();
    closers.push(() => kim.engine.stop());
    const h = await new Harness({ groupSide: new EngineGroupSide(bridge.engine) }).open();
    closers.push(() => h.close());
    core = h.core;
    assert.ok((await core.adminCommand(admin, 'create Book Club')).ok);
    assert.ok((await core.adminCommand(admin, `link book-club ${ROOM}`)).ok);

    // Kim, a Katzenpost member, joins by voucher.
    const voucher = await kim.engine.mintVoucher('club', 'kim');
    assert.ok((await core.adminCommand(admin, `induct book-club ${voucher}`)).ok);
    await waitUntil('the join request', async () => (await h.core.stores.joins.pending()).length === 1);
    assert.ok((await core.adminCommand(admin, `approve ${(await h.core.stores.joins.pending())[0]!.id}`)).ok);
    await kim.waitFor(isType('joined'), 10_000);

    const say = (eventId: string, userId: string, name: string, text: string) =>
      h.core.userMessage({
        frontend: asFrontendId('fake'),
        room: asFrontendRoomId(ROOM),
        eventId: asFrontendEventId(eventId),
        sender: { userId: asFrontendUserId(userId), displayName: name },
        message: { kind: 'text', text },
      });
    await say('$1', '@uma:x', 'Uma', 'first from uma');
    await kim.waitFor(isType('text', (e) => e.text === 'first from uma'), 10_000);
    // Sent as far as the bridge is concerned: the engine has stored her next index.
    const state = async (eventId: string) => (await h.core.stores.outbox.byEvent(asFrontendId('fake'), asFrontendEventId(eventId)))?.state;
    await waitUntil('the first message marked sent', async () => (await state('$1')) === 'sent');

    // The fork: another writer with Uma's write cap puts its own box at her next index.
    const gid = bridge.engine.groupIds()[0]!;
    const puppet = bridge.engine.group(gid).members().find((m) => m.ownStream && /Uma/.test(m.displayName))!;
    const before = puppet.ownStream!;
    const forger = new ThinClient({ address: emu.address });
    await forger.connect();
    closers.push(() => forger.close());
    await forger.writeBox(before.writeCap, before.nextWriteIndex, new Uint8Array(Buffer.from('F written by a second copy')));

    await say('$2', '@uma:x', 'Uma', 'second from uma');
    await say('$3', '@vic:x', 'Vic', 'hello from vic');
    await kim.waitFor(isType('text', (e) => e.text === 'hello from vic'), 10_000);
    await h.settle(300);

    const notices = h.frontend.in(ROOM).filter((s) => s.type === 'notice' && /not delivered/.test(s.text));
    assert.equal(notices.length, 1, JSON.stringify(h.frontend.in(ROOM)));
    assert.equal(notices[0]!.replyTo, '$2');
    assert.match(
      notices[0]!.text,
      /^Your message "second from uma" was not delivered to the group: someone else has already written to your Katzenpost stream in this group.*second copy of this bridge.*tell an admin\.$/,
    );
    assert.ok(!h.frontend.in(ROOM).some((s) => /delayed/.test(s.text)), 'reported as final at once, never as delayed');
    assert.equal(await state('$2'), 'failed');
    assert.equal(await state('$3'), 'sent');
    // The engine's record of her stream is what it was before the refused write.
    const after = bridge.engine.group(gid).member(puppet.memberKey)!.ownStream!;
    assert.deepEqual(after.nextWriteIndex, before.nextWriteIndex);
    assert.equal(after.pendingBox, undefined);
    assert.deepEqual(after.lastSent, before.lastSent);
    // Kim never got uma's second message; the log says why, without her write cap.
    assert.ok(!kim.events.some((e) => e.type === 'text' && e.text === 'second from uma'));
    const failLine = h.log.lines.find((l) => /outbound\.send_failed/.test(l))!;
    assert.match(failLine, /"code":"group_rejected".*"retriable":false.*box_already_exists/);
    const text = `${h.log.lines.join('\n')}\n${h.frontend.texts(ROOM).join('\n')}`;
    assert.deepEqual(scanForSecrets(text, [{ label: 'uma write cap', value: before.writeCap }, { label: 'uma index', value: before.nextWriteIndex }]), []);
    assert.deepEqual(engineErrors, []);
  });
});
