import { strict as assert } from 'node:assert';
import type { BridgeCoreApi, BridgeLogger, CommandCaller, CommandReply, FrontendUser, UserMessage, UserReaction } from '../../../src/bridge/index.js';
import type { FrontendEventId, FrontendId, FrontendRoomId, FrontendUserId } from '../../../src/ids/index.js';
import { MATRIX_FRONTEND_ID, MatrixEventHandler, MatrixState, NOTICES, type MatrixNames } from '../../../src/matrix/index.js';
import { Database } from '../../../src/store/index.js';
import { FakeBridge, FakeHomeserver, matrixEvent } from '../../support/fake-matrix.js';
import { migratedMemoryDb } from '../../support/memory-db.js';

const NAMES: MatrixNames = { domain: 'example.org', userPrefix: 'kp_', botLocalpart: 'katzenbridge' };
const BOT = '@katzenbridge:example.org';
const PORTAL = '!portal:example.org';
const ALICE = '@alice:example.org';
const ADMIN = '@admin:example.org';

/** Records what the handler asks of the core. */
class RecordingCore implements BridgeCoreApi {
  readonly messages: UserMessage[] = [];
  readonly joined: Array<{ room: FrontendRoomId; user: FrontendUser }> = [];
  readonly left: FrontendUserId[] = [];
  readonly reactions: UserReaction[] = [];
  readonly redactions: FrontendEventId[] = [];
  readonly commands: Array<{ caller: CommandCaller; text: string }> = [];
  failNext = false;
  async userMessage(e: UserMessage): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database is locked');
    }
    this.messages.push(e);
  }
  async userReaction(r: UserReaction): Promise<void> {
    this.reactions.push(r);
  }
  async userRedaction(_f: FrontendId, _room: FrontendRoomId, eventId: FrontendEventId): Promise<void> {
    this.redactions.push(eventId);
  }
  async userJoined(_f: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void> {
    this.joined.push({ room, user });
  }
  async userLeft(_f: FrontendId, _room: FrontendRoomId, user: FrontendUserId): Promise<void> {
    this.left.push(user);
  }
  readonly knocked: Array<{ room: FrontendRoomId; user: FrontendUser }> = [];
  async userKnocked(_f: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void> {
    this.knocked.push({ room, user });
  }
  async adminCommand(caller: CommandCaller, text: string): Promise<CommandReply> {
    this.commands.push({ caller, text });
    if (text === 'explode') throw new Error('bug in a command');
    return caller.adminIdentity === ADMIN ? { ok: true, text: `done: ${text}` } : { ok: false, text: 'Sorry, only bridge admins may do that.' };
  }
}

class Logs implements BridgeLogger {
  readonly lines: string[] = [];
  log(level: string, event: string, fields?: object): void {
    this.lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  }
}

async function setup() {
  const state = await MatrixState.open(await migratedMemoryDb());
  const hs = new FakeHomeserver(BOT);
  hs.addRoom(PORTAL, [BOT, ALICE]);
  hs.displayNames.set(ALICE, 'Alice');
  const core = new RecordingCore();
  const log = new Logs();
  const handler = new MatrixEventHandler({
    frontend: MATRIX_FRONTEND_ID,
    core,
    bridge: new FakeBridge(hs),
    state,
    names: NAMES,
    portals: { isPortal: async (room) => room === PORTAL },
    maxFileBytes: 100,
    log,
  });
  return { state, hs, core, log, handler };
}

async function adminRoom(s: Awaited<ReturnType<typeof setup>>, room = '!dm:example.org', user = ADMIN): Promise<string> {
  s.hs.addRoom(room, [user]).members.set(BOT, 'invite');
  await s.handler.handle(matrixEvent(room, user, { membership: 'invite', is_direct: true }, { type: 'm.room.member', stateKey: BOT }));
  return room;
}

describe('MatrixEventHandler (Matrix events to the bridge core)', () => {
  it('a message in a portal goes to the core with the sender display name and relations', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: 'hi', 'm.relates_to': { 'm.in_reply_to': { event_id: '$g1' } } }, { eventId: '$m1' }));
    assert.equal(s.core.messages.length, 1);
    const m = s.core.messages[0]!;
    assert.deepEqual(
      { frontend: m.frontend, room: m.room, eventId: m.eventId, sender: m.sender, message: m.message, replyTo: m.replyTo },
      { frontend: 'matrix', room: PORTAL, eventId: '$m1', sender: { userId: ALICE, displayName: 'Alice' }, message: { kind: 'text', text: 'hi' }, replyTo: '$g1' },
    );
  });

  it('an edit goes to the core as editOf', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: '* b', 'm.new_content': { msgtype: 'm.text', body: 'b' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$m1' } }, { eventId: '$m2' }));
    assert.equal(s.core.messages[0]!.editOf, '$m1');
    assert.deepEqual(s.core.messages[0]!.message, { kind: 'text', text: 'b' });
  });

  it('a reaction goes to the core with its key and target (the core sends the fallback)', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$g1', key: '🎉' } }, { type: 'm.reaction', eventId: '$r' }));
    assert.deepEqual(s.core.reactions, [{ frontend: 'matrix', room: PORTAL, eventId: '$r', sender: { userId: ALICE, displayName: 'Alice' }, target: '$g1', key: '🎉' }]);
  });

  it('a redaction goes to the core with the deleted event, from either place room versions put it', async () => {
    const s = await setup();
    await s.handler.handle({ ...matrixEvent(PORTAL, ALICE, {}, { type: 'm.room.redaction', eventId: '$d' }), redacts: '$m1' });
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { redacts: '$m2' }, { type: 'm.room.redaction', eventId: '$d2' }));
    assert.deepEqual(s.core.redactions, ['$m1', '$m2']);
  });

  it('a file is fetched from the media repository and goes to the core with its name and type', async () => {
    const s = await setup();
    s.hs.media.set('mxc://fake/cat', { bytes: Buffer.from([9, 8, 7]) });
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.image', body: 'cat.png', url: 'mxc://fake/cat', info: { mimetype: 'image/png', size: 3 } }, { eventId: '$f' }));
    const m = s.core.messages[0]!;
    assert.deepEqual([m.eventId, m.file?.basename, m.file?.filetype, [...(m.file?.bytes ?? [])]], ['$f', 'cat.png', 'image/png', [9, 8, 7]]);
  });

  it('a file over the limit gets a notice and is not fetched; so does one the homeserver does not have', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.file', body: 'big.bin', url: 'mxc://fake/big', info: { size: 101 } }, { eventId: '$big' }));
    assert.ok(!s.hs.requests.some((r) => r.startsWith('download')));
    s.hs.media.set('mxc://fake/liar', { bytes: Buffer.alloc(101) });
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.file', body: 'liar.bin', url: 'mxc://fake/liar', info: { size: 1 } }, { eventId: '$liar' }));
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.file', body: 'gone.bin', url: 'mxc://fake/gone' }, { eventId: '$gone' }));
    assert.deepEqual(s.hs.bodies(PORTAL), [NOTICES.tooLarge(100), NOTICES.tooLarge(100), NOTICES.unfetchable]);
    assert.equal(s.core.messages.length, 0);
  });

  it('a homeserver that does not answer a download fails the transaction (it is sent again)', async () => {
    const s = await setup();
    s.hs.down = true;
    await assert.rejects(s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.file', body: 'x', url: 'mxc://fake/x' })), /ECONNREFUSED/);
  });

  it('an unsupported message gets a notice in the room, not silence', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.location', body: 'here', geo_uri: 'geo:0,0' }, { eventId: '$img' }));
    assert.deepEqual(s.hs.bodies(PORTAL), [NOTICES.unsupported('a location')]);
    assert.ok(s.hs.messages(PORTAL).every((e) => e.sender === BOT && e.content['msgtype'] === 'm.notice'));
    assert.equal(s.core.messages.length, 0);
  });

  it("the bridge's own users' events (echoes) are not bridged back", async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, '@kp_friends_0123:example.org', { msgtype: 'm.text', body: 'echo' }));
    await s.handler.handle(matrixEvent(PORTAL, BOT, { msgtype: 'm.notice', body: 'echo' }));
    assert.equal(s.core.messages.length, 0);
  });

  it('messages in rooms that are neither portals nor admin rooms are ignored', async () => {
    const s = await setup();
    s.hs.addRoom('!other:example.org', [BOT, ALICE]);
    await s.handler.handle(matrixEvent('!other:example.org', ALICE, { msgtype: 'm.text', body: 'x' }));
    assert.equal(s.core.messages.length + s.core.commands.length, 0);
  });

  it('a malformed event is logged with its code and field and skipped', async () => {
    const s = await setup();
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: 42 }));
    await s.handler.handle('garbage');
    assert.equal(s.core.messages.length, 0);
    assert.deepEqual(s.log.lines, ['warn matrix.bad_event {"code":"bad_event","field":"content.body"}', 'warn matrix.bad_event {"code":"bad_event","field":"event"}']);
    await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: 'still works' }));
    assert.equal(s.core.messages.length, 1);
  });

  it('a failure of the core propagates, so the homeserver sends the transaction again', async () => {
    const s = await setup();
    s.core.failNext = true;
    await assert.rejects(s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: 'x' })), /database is locked/);
  });

  describe('encrypted rooms', () => {
    it('m.room.encryption gets one notice, and nothing is bridged there afterwards', async () => {
      const s = await setup();
      const enc = matrixEvent(PORTAL, ALICE, { algorithm: 'm.megolm.v1.aes-sha2' }, { type: 'm.room.encryption', stateKey: '' });
      await s.handler.handle(enc);
      await s.handler.handle(enc);
      await s.handler.handle(matrixEvent(PORTAL, ALICE, { ciphertext: 'x' }, { type: 'm.room.encrypted' }));
      await s.handler.handle(matrixEvent(PORTAL, ALICE, { msgtype: 'm.text', body: 'plain in an encrypted room' }));
      await s.handler.handle(matrixEvent(PORTAL, '@bob:example.org', { membership: 'join' }, { type: 'm.room.member', stateKey: '@bob:example.org' }));
      assert.deepEqual(s.hs.bodies(PORTAL), [NOTICES.encrypted]);
      assert.equal(s.core.messages.length + s.core.joined.length, 0);
      assert.ok(await s.state.isEncrypted(PORTAL));
    });

    it('an invite to an encrypted room: the bot joins, posts the notice, and makes no admin room', async () => {
      const s = await setup();
      s.hs.addRoom('!enc:example.org', [ADMIN], { 'm.room.encryption': { algorithm: 'm.megolm.v1.aes-sha2' } }).members.set(BOT, 'invite');
      await s.handler.handle(matrixEvent('!enc:example.org', ADMIN, { membership: 'invite', is_direct: true }, { type: 'm.room.member', stateKey: BOT }));
      assert.deepEqual(s.hs.bodies('!enc:example.org'), [NOTICES.encrypted]);
      assert.equal(await s.state.isAdminRoom('!enc:example.org'), false);
    });
  });

  describe('admin room', () => {
    it('a direct-chat invite makes an admin room with a welcome', async () => {
      const s = await setup();
      const room = await adminRoom(s);
      assert.ok(await s.state.isAdminRoom(room));
      assert.deepEqual(s.hs.bodies(room), [NOTICES.welcome]);
    });

    it('a non-direct invite is joined but is no admin room', async () => {
      const s = await setup();
      s.hs.addRoom('!group:example.org', [ADMIN]).members.set(BOT, 'invite');
      await s.handler.handle(matrixEvent('!group:example.org', ADMIN, { membership: 'invite' }, { type: 'm.room.member', stateKey: BOT }));
      assert.equal(s.hs.room('!group:example.org').members.get(BOT), 'join');
      assert.equal(await s.state.isAdminRoom('!group:example.org'), false);
    });

    it('messages there are commands with the verified sender; the answer is a notice replying to it', async () => {
      const s = await setup();
      const room = await adminRoom(s);
      await s.handler.handle(matrixEvent(room, ADMIN, { msgtype: 'm.text', body: 'status' }, { eventId: '$c1' }));
      assert.deepEqual(s.core.commands, [{ caller: { frontend: 'matrix', userId: ADMIN, adminIdentity: ADMIN }, text: 'status' }]);
      const answer = s.hs.messages(room).at(-1)!;
      assert.deepEqual(answer.content, { msgtype: 'm.notice', body: 'done: status', 'm.relates_to': { 'm.in_reply_to': { event_id: '$c1' } } });
      assert.equal(s.core.messages.length, 0);
    });

    it("someone else's command gets the core's polite refusal", async () => {
      const s = await setup();
      const room = await adminRoom(s, '!dm2:example.org', ALICE);
      await s.handler.handle(matrixEvent(room, ALICE, { msgtype: 'm.text', body: 'create X' }));
      assert.equal(s.hs.bodies(room).at(-1), 'Sorry, only bridge admins may do that.');
    });

    it('a command answered once is not answered twice when the same event comes again', async () => {
      const s = await setup();
      const room = await adminRoom(s);
      const ev = matrixEvent(room, ADMIN, { msgtype: 'm.text', body: 'groups' }, { eventId: '$same' });
      await s.handler.handle(ev);
      await s.handler.handle(ev);
      assert.deepEqual(s.hs.bodies(room), [NOTICES.welcome, 'done: groups']);
    });

    it('a command that throws gets a failure notice and does not hold up the transaction', async () => {
      const s = await setup();
      const room = await adminRoom(s);
      await s.handler.handle(matrixEvent(room, ADMIN, { msgtype: 'm.text', body: 'explode' }));
      assert.match(s.hs.bodies(room).at(-1)!, /failed on the bridge/);
      assert.ok(s.log.lines.some((l) => l.startsWith('error matrix.command_failed')));
    });

    it('an edited command is not run again', async () => {
      const s = await setup();
      const room = await adminRoom(s);
      await s.handler.handle(matrixEvent(room, ADMIN, { msgtype: 'm.text', body: '* x', 'm.new_content': { msgtype: 'm.text', body: 'x' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$c' } }));
      assert.equal(s.core.commands.length, 0);
    });
  });

  describe('membership', () => {
    it('a user joining a portal is passed to the core with their display name; leaving too', async () => {
      const s = await setup();
      await s.handler.handle(matrixEvent(PORTAL, '@bob:example.org', { membership: 'join', displayname: 'Bob B' }, { type: 'm.room.member', stateKey: '@bob:example.org' }));
      await s.handler.handle(matrixEvent(PORTAL, '@bob:example.org', { membership: 'leave' }, { type: 'm.room.member', stateKey: '@bob:example.org' }));
      assert.deepEqual(s.core.joined, [{ room: PORTAL, user: { userId: '@bob:example.org', displayName: 'Bob B' } }]);
      assert.deepEqual(s.core.left, ['@bob:example.org']);
    });

    it('a knock on a portal is passed to the core as a request to join, with the name from the knock', async () => {
      const s = await setup();
      await s.handler.handle(matrixEvent(PORTAL, '@carol:example.org', { membership: 'knock', displayname: 'Carol C', reason: 'hi' }, { type: 'm.room.member', stateKey: '@carol:example.org' }));
      assert.deepEqual(s.core.knocked, [{ room: PORTAL, user: { userId: '@carol:example.org', displayName: 'Carol C' } }]);
      assert.equal(s.core.joined.length, 0);
    });

    it("a joined user's name is used for their messages without asking the homeserver", async () => {
      const s = await setup();
      await s.handler.handle(matrixEvent(PORTAL, '@bob:example.org', { membership: 'join', displayname: 'Bob B' }, { type: 'm.room.member', stateKey: '@bob:example.org' }));
      const before = s.hs.requests.length;
      await s.handler.handle(matrixEvent(PORTAL, '@bob:example.org', { msgtype: 'm.text', body: 'x' }));
      assert.equal(s.core.messages[0]!.sender.displayName, 'Bob B');
      assert.equal(s.hs.requests.length, before);
    });

    it('ghosts joining are not users', async () => {
      const s = await setup();
      await s.handler.handle(matrixEvent(PORTAL, '@kp_x_1:example.org', { membership: 'join' }, { type: 'm.room.member', stateKey: '@kp_x_1:example.org' }));
      assert.equal(s.core.joined.length, 0);
    });
  });
});
