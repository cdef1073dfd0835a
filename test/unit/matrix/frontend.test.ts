import { strict as assert } from 'node:assert';
import { DeliveryError, isEditCapable, isFileCapable, isReplyCapable, isRoomCreateCapable } from '../../../src/bridge/index.js';
import { asFrontendEventId, asFrontendRoomId, asGhostId, asGroupId, asTransactionId } from '../../../src/ids/index.js';
import { MatrixFrontend, MatrixState, ROOM_INFO_FORBIDDEN, ghostUserId, type MatrixNames } from '../../../src/matrix/index.js';
import { Database } from '../../../src/store/index.js';
import { FakeBridge, FakeHomeserver } from '../../support/fake-matrix.js';
import { migratedMemoryDb } from '../../support/memory-db.js';

const NAMES: MatrixNames = { domain: 'example.org', userPrefix: 'kp_', botLocalpart: 'katzenbridge' };
const BOT = '@katzenbridge:example.org';
const ROOM = asFrontendRoomId('!portal:example.org');
const GROUP = asGroupId('Friends');
const GHOST = asGhostId('kp_0123456789abcdef0123');
const txn = (s: string) => asTransactionId(s);

async function setup(o: { federate?: boolean; receiptIntervalMs?: number } = {}) {
  const db = await migratedMemoryDb();
  const state = await MatrixState.open(db);
  const hs = new FakeHomeserver(BOT);
  hs.addRoom(ROOM, [BOT, '@alice:example.org']);
  const fe = new MatrixFrontend({ bridge: new FakeBridge(hs), state, names: NAMES, admins: ['@admin:example.org', 'irc:libera/bob'], ...o });
  const ghostUser = ghostUserId(NAMES, GROUP, GHOST);
  return { db, state, hs, fe, ghostUser };
}

function expectDeliveryError(code: string, retriable: boolean) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DeliveryError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.retriable, retriable);
    return true;
  };
}

describe('MatrixFrontend (Frontend contract on the fake appservice)', () => {
  it('delivery status: read receipts; a burst collapses into the latest while one is on its way', async () => {
    const { fe, hs } = await setup({ receiptIntervalMs: 0 });
    const ids = ['$1', '$2', '$3', '$4', '$5'].map(asFrontendEventId);
    await Promise.all(ids.map((id) => fe.markDelivered(ROOM, id)));
    assert.deepEqual(hs.requests.filter((r) => r.startsWith('receipt')), [`receipt ${ROOM} $1`, `receipt ${ROOM} $5`]);
    await fe.markDelivered(ROOM, asFrontendEventId('$6'));
    assert.equal(hs.requests.filter((r) => r.startsWith('receipt')).at(-1), `receipt ${ROOM} $6`);
  });

  it('delivery status: one receipt per room per interval; messages delivered one by one within it collapse into the latest', async () => {
    const { fe, hs } = await setup({ receiptIntervalMs: 40 });
    const other = asFrontendRoomId('!other:example.org');
    hs.addRoom(other, [BOT]);
    await fe.markDelivered(ROOM, asFrontendEventId('$1')); // the first goes at once
    const later = [fe.markDelivered(ROOM, asFrontendEventId('$2'))]; // waits for the interval...
    await new Promise((r) => setImmediate(r));
    later.push(fe.markDelivered(ROOM, asFrontendEventId('$3'))); // ...and $3 replaces it
    await fe.markDelivered(other, asFrontendEventId('$9')); // another room is not held back
    assert.deepEqual(hs.requests.filter((r) => r.startsWith('receipt')), [`receipt ${ROOM} $1`, `receipt ${other} $9`]);
    await Promise.all(later);
    assert.deepEqual(hs.requests.filter((r) => r.startsWith('receipt')), [`receipt ${ROOM} $1`, `receipt ${other} $9`, `receipt ${ROOM} $3`]);
  });

  it('has the Matrix capabilities: replies, edits, files, room creation', async () => {
    const { fe } = await setup();
    assert.ok(isReplyCapable(fe) && isEditCapable(fe) && isFileCapable(fe) && isRoomCreateCapable(fe));
  });

  it('ensureGhost registers the ghost, sets its name before joining, and joins the portal', async () => {
    const { fe, hs, ghostUser } = await setup();
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    assert.equal(ghostUser, '@kp_friends_0123456789abcdef0123:example.org');
    assert.ok(hs.registered.has(ghostUser));
    assert.equal(hs.displayNames.get(ghostUser), 'Carol');
    assert.equal(hs.room(ROOM).members.get(ghostUser), 'join');
    const order = hs.requests.filter((r) => r.endsWith(ghostUser));
    assert.deepEqual(order, [`register ${ghostUser}`, `displayname ${ghostUser}`, `join ${ghostUser}`]);
    // The same name again sets nothing; a new one is set.
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    assert.equal(hs.requests.filter((r) => r === `displayname ${ghostUser}`).length, 1);
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol (ab12cd)' });
    assert.equal(hs.displayNames.get(ghostUser), 'Carol (ab12cd)');
  });

  it('posts text, notices and emotes as the ghost with the right msgtype', async () => {
    const { fe, hs, ghostUser } = await setup();
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    await fe.postMessage(ROOM, GHOST, { kind: 'text', text: 'hi' }, txn('t1'));
    await fe.postMessage(ROOM, GHOST, { kind: 'notice', text: 'note' }, txn('t2'));
    await fe.postMessage(ROOM, GHOST, { kind: 'emote', text: 'waves' }, txn('t3'));
    assert.deepEqual(
      hs.messages(ROOM).map((e) => [e.sender, e.content['msgtype'], e.content['body']]),
      [[ghostUser, 'm.text', 'hi'], [ghostUser, 'm.notice', 'note'], [ghostUser, 'm.emote', 'waves']],
    );
  });

  it('a post repeated with the same transaction id (after a restart) is shown once', async () => {
    const { fe, hs, state } = await setup();
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    const first = await fe.postMessage(ROOM, GHOST, { kind: 'text', text: 'once' }, txn('same'));
    // A new frontend over the same state, as after a restart: it knows the ghost from the store.
    const again = new MatrixFrontend({ bridge: new FakeBridge(hs), state, names: NAMES, admins: [] });
    const second = await again.postMessage(ROOM, GHOST, { kind: 'text', text: 'once' }, txn('same'));
    assert.equal(second, first);
    assert.deepEqual(hs.bodies(ROOM), ['once']);
  });

  it('replies carry m.in_reply_to; edits carry m.new_content and a "* " fallback', async () => {
    const { fe, hs } = await setup();
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    const orig = await fe.postMessage(ROOM, GHOST, { kind: 'text', text: 'orig' }, txn('a'));
    await fe.postReply(ROOM, GHOST, { kind: 'text', text: 'answer' }, orig, txn('b'));
    await fe.postEdit(ROOM, GHOST, { kind: 'text', text: 'fixed' }, orig, txn('c'));
    const [, reply, edit] = hs.messages(ROOM);
    assert.deepEqual(reply!.content, { msgtype: 'm.text', body: 'answer', 'm.relates_to': { 'm.in_reply_to': { event_id: orig } } });
    assert.deepEqual(edit!.content, {
      msgtype: 'm.text',
      body: '* fixed',
      'm.new_content': { msgtype: 'm.text', body: 'fixed' },
      'm.relates_to': { rel_type: 'm.replace', event_id: orig },
    });
  });

  it('notices come from the bot, next to the message they are about', async () => {
    const { fe, hs } = await setup();
    await fe.postNotice(ROOM, 'Join request #1', txn('n1'), asFrontendEventId('$about'));
    const [n] = hs.messages(ROOM);
    assert.equal(n!.sender, BOT);
    assert.deepEqual(n!.content, { msgtype: 'm.notice', body: 'Join request #1', 'm.relates_to': { 'm.in_reply_to': { event_id: '$about' } } });
  });

  it('a ghost kicked from the room joins again and the message is sent once', async () => {
    const { fe, hs, ghostUser } = await setup();
    await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
    hs.room(ROOM).members.set(ghostUser, 'leave');
    await fe.postMessage(ROOM, GHOST, { kind: 'text', text: 'back' }, txn('k'));
    assert.deepEqual(hs.bodies(ROOM), ['back']);
  });

  it('a homeserver that does not answer, or answers 429/5xx, is a retriable failure', async () => {
    const { fe, hs } = await setup();
    hs.down = true;
    await assert.rejects(fe.postNotice(ROOM, 'x', txn('d1')), expectDeliveryError('frontend_unavailable', true));
    hs.down = false;
    hs.failNext(502, 'M_UNKNOWN');
    await assert.rejects(fe.postNotice(ROOM, 'x', txn('d2')), expectDeliveryError('frontend_unavailable', true));
    hs.failNext(429, 'M_LIMIT_EXCEEDED');
    await assert.rejects(fe.postNotice(ROOM, 'x', txn('d3')), expectDeliveryError('frontend_unavailable', true));
  });

  it('a refusal (4xx) is final, with a user line naming the errcode and no token', async () => {
    const { fe, hs } = await setup();
    hs.failNext(400, 'M_TOO_LARGE');
    await assert.rejects(fe.postNotice(ROOM, 'x', txn('r1')), (e: unknown) => {
      expectDeliveryError('frontend_rejected', false)(e);
      assert.match((e as DeliveryError).userLine, /M_TOO_LARGE/);
      return true;
    });
  });

  it('refuses to post anything into a room seen encrypted', async () => {
    const { fe, hs, state } = await setup();
    await state.markEncrypted(ROOM, 1);
    await assert.rejects(fe.postNotice(ROOM, 'x', txn('e1')), expectDeliveryError('frontend_rejected', false));
    await assert.rejects(fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' }), expectDeliveryError('frontend_rejected', false));
    assert.deepEqual(hs.messages(ROOM), []);
  });

  it('a ghost never ensured cannot post (final, not retried forever)', async () => {
    const { fe } = await setup();
    await assert.rejects(fe.postMessage(ROOM, asGhostId('kp_ffffffffffffffffffff'), { kind: 'text', text: 'x' }, txn('u')), expectDeliveryError('frontend_rejected', false));
  });

  it('creates private, invite-only, unfederated portal rooms with the Matrix admins invited', async () => {
    const { fe, hs } = await setup();
    const room = await fe.createRoom({ name: 'Friends', topic: 'Katzenpost group Friends' });
    const r = hs.room(room);
    const o = r.createOptions!;
    assert.equal(o['preset'], 'private_chat');
    assert.equal(o['visibility'], 'private');
    assert.deepEqual(o['creation_content'], { 'm.federate': false });
    assert.deepEqual(o['invite'], ['@admin:example.org']);
    assert.equal(r.members.get('@admin:example.org'), 'invite');
    assert.deepEqual(r.state.get('m.room.name'), { name: 'Friends' });
    assert.deepEqual((o['power_level_content_override'] as { users: object }).users, { [BOT]: 100, '@admin:example.org': 100 });
  });

  it('federates created rooms only when configured', async () => {
    const { fe, hs } = await setup({ federate: true });
    const room = await fe.createRoom({ name: 'F', topic: 't' });
    assert.deepEqual(hs.room(room).createOptions!['creation_content'], { 'm.federate': true });
  });

  it('setRoomInfo joins the bot (as after `link`) and sets name and topic', async () => {
    const { fe, hs } = await setup();
    hs.addRoom('!linked:example.org', ['@admin:example.org']).members.set(BOT, 'invite');
    await fe.setRoomInfo(asFrontendRoomId('!linked:example.org'), { name: 'N', topic: 'T' });
    const r = hs.room('!linked:example.org');
    assert.equal(r.members.get(BOT), 'join');
    assert.deepEqual([r.state.get('m.room.name'), r.state.get('m.room.topic')], [{ name: 'N' }, { topic: 'T' }]);
  });

  it('setRoomInfo where the bot may not change name and topic: the link stands and the room is told', async () => {
    const { fe, hs } = await setup();
    hs.addRoom('!weak:example.org', ['@admin:example.org']).members.set(BOT, 'invite');
    hs.stateForbidden.add('!weak:example.org');
    await fe.setRoomInfo(asFrontendRoomId('!weak:example.org'), { name: 'N', topic: 'T' });
    assert.deepEqual(hs.bodies('!weak:example.org'), [ROOM_INFO_FORBIDDEN]);
  });

  it('setRoomInfo where the bot cannot join fails, so the link is not reported done', async () => {
    const { fe, hs } = await setup();
    hs.addRoom('!closed:example.org', ['@admin:example.org']);
    await assert.rejects(fe.setRoomInfo(asFrontendRoomId('!closed:example.org'), { name: 'N', topic: 'T' }), expectDeliveryError('frontend_rejected', false));
  });

  describe('files from Katzenpost', () => {
    const cases: Array<[string, string, string, string]> = [
      ['image/png', 'cat.png', 'm.image', 'image/png'],
      ['audio/ogg', 'voice.ogg', 'm.audio', 'audio/ogg'],
      ['video/mp4', 'clip.mp4', 'm.video', 'video/mp4'],
      ['application/pdf', 'doc.pdf', 'm.file', 'application/pdf'],
      ['not a mime type', 'x.bin', 'm.file', 'application/octet-stream'],
    ];
    for (const [filetype, name, msgtype, mimetype] of cases) {
      it(`${filetype} is uploaded and posted as ${msgtype}`, async () => {
        const { fe, hs, ghostUser } = await setup();
        await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
        const bytes = new Uint8Array([1, 2, 3, 4]);
        await fe.postFile(ROOM, GHOST, { basename: name, filetype, bytes }, txn(`f-${name}`));
        const [e] = hs.messages(ROOM);
        assert.equal(e!.sender, ghostUser);
        assert.deepEqual(e!.content, { msgtype, body: name, filename: name, url: 'mxc://fake/m1', info: { mimetype, size: 4 } });
        assert.deepEqual([...hs.media.get('mxc://fake/m1')!.bytes], [1, 2, 3, 4]);
      });
    }

    it('a hostile file name loses its path and control characters and is capped', async () => {
      const { fe, hs } = await setup();
      await fe.ensureGhost(ROOM, { ghostId: GHOST, groupId: GROUP, displayName: 'Carol' });
      await fe.postFile(ROOM, GHOST, { basename: `../../etc/pa\u0000ss\u202ewd${'x'.repeat(300)}`, filetype: 'text/plain', bytes: new Uint8Array(1) }, txn('h'));
      const body = String(hs.messages(ROOM)[0]!.content['body']);
      assert.ok(body.startsWith('pa_ss_wd'), body);
      assert.ok(!/[\/\u0000\u202e]/.test(body));
      assert.equal([...body].length, 200);
    });
  });
});
