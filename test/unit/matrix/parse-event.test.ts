import { strict as assert } from 'node:assert';
import { MatrixEventError } from '../../../src/matrix/errors.js';
import { MAX_TEXT_CHARS, parseEvent, stripReplyFallback, type MatrixInput } from '../../../src/matrix/parse-event.js';
import { matrixEvent } from '../../support/fake-matrix.js';

const ROOM = '!portal:example.org';
const ALICE = '@alice:example.org';

const msg = (content: Record<string, unknown>, eventId = '$e1'): MatrixInput => parseEvent(matrixEvent(ROOM, ALICE, content, { eventId }));

function expectError(raw: unknown, code: string, field: string): void {
  assert.throws(() => parseEvent(raw), (e: unknown) => {
    assert.ok(e instanceof MatrixEventError);
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    return true;
  });
}

describe('matrix parseEvent (events pushed by the homeserver)', () => {
  for (const [msgtype, kind] of [['m.text', 'text'], ['m.notice', 'notice'], ['m.emote', 'emote']] as const) {
    it(`${msgtype} becomes a ${kind} message`, () => {
      assert.deepEqual(msg({ msgtype, body: 'hello' }), { t: 'message', roomId: ROOM, eventId: '$e1', sender: ALICE, message: { kind, text: 'hello' } });
    });
  }

  it('uses the HTML form when there is one, else the body', () => {
    const m = msg({ msgtype: 'm.text', body: '**hi** Bob', format: 'org.matrix.custom.html', formatted_body: '<b>hi</b> <a href="https://matrix.to/#/@bob:x">Bob</a>' });
    assert.equal(m.t === 'message' && m.message.text, 'hi Bob');
    const empty = msg({ msgtype: 'm.text', body: 'plain', format: 'org.matrix.custom.html', formatted_body: '<p></p>' });
    assert.equal(empty.t === 'message' && empty.message.text, 'plain');
  });

  it('a reply carries the replied-to event and loses its quoted fallback', () => {
    const m = msg({
      msgtype: 'm.text',
      body: '> <@bob:x> original\n> second line\n\nmy answer',
      format: 'org.matrix.custom.html',
      formatted_body: '<mx-reply><blockquote>original</blockquote></mx-reply>my <i>answer</i>',
      'm.relates_to': { 'm.in_reply_to': { event_id: '$orig' } },
    });
    assert.deepEqual(m, { t: 'message', roomId: ROOM, eventId: '$e1', sender: ALICE, message: { kind: 'text', text: 'my answer' }, replyTo: '$orig' });
    const plain = msg({ msgtype: 'm.text', body: '> <@bob:x> original\n\nonly plain', 'm.relates_to': { 'm.in_reply_to': { event_id: '$orig' } } });
    assert.equal(plain.t === 'message' && plain.message.text, 'only plain');
  });

  it('a body quoting without a reply relation keeps its quote', () => {
    const m = msg({ msgtype: 'm.text', body: '> a quote\n\ncomment' });
    assert.equal(m.t === 'message' && m.message.text, '> a quote\n\ncomment');
  });

  it('an edit takes its text from m.new_content and names the edited event', () => {
    const m = msg({
      msgtype: 'm.text',
      body: '* fixed',
      'm.new_content': { msgtype: 'm.text', body: 'fixed' },
      'm.relates_to': { rel_type: 'm.replace', event_id: '$old' },
    });
    assert.deepEqual(m, { t: 'message', roomId: ROOM, eventId: '$e1', sender: ALICE, message: { kind: 'text', text: 'fixed' }, editOf: '$old' });
  });

  it('caps a very long text at MAX_TEXT_CHARS', () => {
    const m = msg({ msgtype: 'm.text', body: 'y'.repeat(MAX_TEXT_CHARS * 2) });
    assert.equal(m.t === 'message' && m.message.text.length, MAX_TEXT_CHARS);
  });

  it('encrypted media, unknown msgtypes and stickers are unsupported, naming what was not bridged', () => {
    assert.deepEqual(msg({ msgtype: 'm.image', body: 'cat.jpg', file: { url: 'mxc://x/y' } }), { t: 'unsupported', roomId: ROOM, eventId: '$e1', sender: ALICE, what: 'an encrypted image' });
    const unknown = msg({ msgtype: 'org.example.poll', body: 'vote' });
    assert.equal(unknown.t === 'unsupported' && unknown.what, 'a message of type org.example.poll');
    const sticker = parseEvent(matrixEvent(ROOM, ALICE, { body: 's', url: 'mxc://x/y' }, { type: 'm.sticker', eventId: '$s' }));
    assert.equal(sticker.t === 'unsupported' && sticker.what, 'a sticker');
  });

  it('m.image, m.file, m.audio and m.video with an mxc URL are files with name, type and claimed size', () => {
    assert.deepEqual(msg({ msgtype: 'm.image', body: 'cat.jpg', url: 'mxc://x/y', info: { mimetype: 'image/jpeg', size: 12 } }), {
      t: 'file', roomId: ROOM, eventId: '$e1', sender: ALICE, url: 'mxc://x/y', name: 'cat.jpg', mimetype: 'image/jpeg', sizeBytes: 12,
    });
    const f = msg({ msgtype: 'm.file', body: 'caption', filename: 'report.pdf', url: 'mxc://x/z' });
    assert.ok(f.t === 'file' && f.name === 'report.pdf' && f.mimetype === 'application/octet-stream' && f.sizeBytes === undefined);
  });

  it('a reaction names its key and target; a redaction is recognised', () => {
    const r = parseEvent(matrixEvent(ROOM, ALICE, { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$t', key: '👍' } }, { type: 'm.reaction', eventId: '$r' }));
    assert.deepEqual(r, { t: 'reaction', roomId: ROOM, eventId: '$r', sender: ALICE, key: '👍', target: '$t' });
    const d = parseEvent({ ...matrixEvent(ROOM, ALICE, {}, { type: 'm.room.redaction', eventId: '$d' }), redacts: '$t' });
    assert.deepEqual(d, { t: 'redaction', roomId: ROOM, eventId: '$d', sender: ALICE, redacts: '$t' });
    const v11 = parseEvent(matrixEvent(ROOM, ALICE, { redacts: '$u' }, { type: 'm.room.redaction', eventId: '$d2' }));
    assert.equal(v11.t === 'redaction' && v11.redacts, '$u');
  });

  it('m.room.encryption and m.room.encrypted mark the room encrypted', () => {
    assert.deepEqual(parseEvent(matrixEvent(ROOM, ALICE, { algorithm: 'm.megolm.v1.aes-sha2' }, { type: 'm.room.encryption', stateKey: '' })), { t: 'encrypted', roomId: ROOM, sender: ALICE });
    assert.equal(parseEvent(matrixEvent(ROOM, ALICE, { ciphertext: 'x' }, { type: 'm.room.encrypted' })).t, 'encrypted');
  });

  it('a member event gives the user, membership, display name and is_direct', () => {
    const m = parseEvent(matrixEvent(ROOM, ALICE, { membership: 'invite', displayname: 'Bot', is_direct: true }, { type: 'm.room.member', stateKey: '@bot:example.org' }));
    assert.deepEqual(m, { t: 'member', roomId: ROOM, sender: ALICE, userId: '@bot:example.org', membership: 'invite', displayName: 'Bot', isDirect: true });
  });

  it('other event types are ignored', () => {
    assert.deepEqual(parseEvent(matrixEvent(ROOM, ALICE, { name: 'x' }, { type: 'm.room.name', stateKey: '' })), { t: 'ignore' });
  });

  describe('malformed events get a MatrixEventError with code and field', () => {
    const cases: Array<[string, unknown, string, string]> = [
      ['not an object', 'event', 'bad_event', 'event'],
      ['no type', { room_id: ROOM, sender: ALICE, content: {} }, 'bad_event', 'type'],
      ['no room', { type: 'm.room.message', sender: ALICE, content: {} }, 'bad_event', 'room_id'],
      ['content not an object', { type: 'm.room.message', room_id: ROOM, sender: ALICE, content: [] }, 'bad_event', 'content'],
      ['no event id', { type: 'm.room.message', room_id: ROOM, sender: ALICE, content: { msgtype: 'm.text', body: 'x' } }, 'bad_event', 'event_id'],
      ['body not text', matrixEvent(ROOM, ALICE, { msgtype: 'm.text', body: 5 }), 'bad_event', 'content.body'],
      ['msgtype missing', matrixEvent(ROOM, ALICE, { body: 'x' }), 'bad_content', 'content.msgtype'],
      ['formatted_body not text', matrixEvent(ROOM, ALICE, { msgtype: 'm.text', body: 'x', format: 'org.matrix.custom.html', formatted_body: {} }), 'bad_content', 'content.formatted_body'],
      ['relation not an object', matrixEvent(ROOM, ALICE, { msgtype: 'm.text', body: 'x', 'm.relates_to': 'y' }), 'bad_relation', 'content.m.relates_to'],
      ['reply without event id', matrixEvent(ROOM, ALICE, { msgtype: 'm.text', body: 'x', 'm.relates_to': { 'm.in_reply_to': {} } }), 'bad_event', 'content.m.relates_to.m.in_reply_to.event_id'],
      ['edit without new content', matrixEvent(ROOM, ALICE, { msgtype: 'm.text', body: 'x', 'm.relates_to': { rel_type: 'm.replace', event_id: '$o' } }), 'bad_content', 'content.m.new_content'],
      ['reaction without key', matrixEvent(ROOM, ALICE, { 'm.relates_to': { event_id: '$t' } }, { type: 'm.reaction' }), 'bad_event', 'content.m.relates_to.key'],
      ['redaction without target', matrixEvent(ROOM, ALICE, {}, { type: 'm.room.redaction' }), 'bad_event', 'redacts'],
      ['file url not mxc', matrixEvent(ROOM, ALICE, { msgtype: 'm.file', body: 'x', url: 'https://evil/x' }), 'bad_content', 'content.url'],
      ['member without state key', matrixEvent(ROOM, ALICE, { membership: 'join' }, { type: 'm.room.member' }), 'bad_event', 'state_key'],
    ];
    for (const [name, raw, code, field] of cases) it(name, () => expectError(raw, code, field));
  });

  it('stripReplyFallback leaves text without a leading quote alone', () => {
    assert.equal(stripReplyFallback('no quote\n> later'), 'no quote\n> later');
    assert.equal(stripReplyFallback('> only quote'), '');
  });
});
