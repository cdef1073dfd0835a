import { strict as assert } from 'node:assert';
import { asBoxCounter, asFrontendEventId, asFrontendRoomId, asFrontendUserId, type GroupId, type MemberId } from '../../src/ids/index.js';
import type { BridgeCore, UserMessage } from '../../src/bridge/index.js';
import { FakeFrontend } from '../support/fake-frontend.js';
import { memberHex } from '../unit/bridge/fake-group-side.js';
import { Harness } from '../unit/bridge/harness.js';

// DESIGN.md §4 "Delivery": one ordered queue per portal and direction, durable outbox and inbox,
// dedup by (stream, index) and by frontend event id, failures shown where the message was sent.

const ROOM = asFrontendRoomId('!room:x');
const text = (core: BridgeCore, g: GroupId, member: MemberId, counter: number, body: string, name = 'alice') =>
  core.groupEvent({ type: 'text', groupId: g, member, counter: asBoxCounter(String(counter)), displayName: name, text: body });
const userMsg = (n: number, body: string, user = '@bob:x', frontend = 'fake'): UserMessage => ({
  frontend: frontend as UserMessage['frontend'],
  room: ROOM,
  eventId: asFrontendEventId(`$ev${n}`),
  sender: { userId: asFrontendUserId(user), displayName: user.slice(1, 4) },
  message: { kind: 'text', text: body },
});

describe('bridge delivery (integration: core + sqlite + fake frontend + fake group side)', () => {
  let h: Harness;
  let g: GroupId;
  beforeEach(async () => {
    h = await new Harness().open();
    g = await h.portal();
  });
  afterEach(() => h.close());

  it('shows group messages in arrival order, each once, as the member’s ghost', async () => {
    const alice = memberHex(1);
    for (let i = 0; i < 20; i++) await text(h.core, g, alice, i, `m${i}`);
    await h.settle();
    const shown = h.frontend.in(ROOM).filter((s) => s.type === 'message');
    assert.deepEqual(shown.map((s) => s.text), Array.from({ length: 20 }, (_, i) => `m${i}`));
    assert.equal(new Set(shown.map((s) => s.ghost)).size, 1);
    assert.equal(h.frontend.ghosts.get(shown[0]!.ghost!), 'alice');
  });

  it('sends frontend messages to the group in order, through one puppet stream', async () => {
    for (let i = 0; i < 15; i++) await h.core.userMessage(userMsg(i, `u${i}`));
    await h.settle();
    assert.deepEqual(h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : '')), Array.from({ length: 15 }, (_, i) => `u${i}`));
    assert.equal(new Set(h.group.written.map((w) => w.member)).size, 1);
    assert.deepEqual(h.group.written.map((w) => w.counter), Array.from({ length: 15 }, (_, i) => String(i)));
    assert.equal(h.group.introduced.length, 1);
    assert.equal(h.group.introduced[0]!.displayName, 'bob (fakenet)');
  });

  it('queues a frontend event delivered twice only once', async () => {
    await h.core.userMessage(userMsg(1, 'hello'));
    await h.core.userMessage(userMsg(1, 'hello'));
    await h.settle();
    assert.equal(h.group.written.length, 1);
  });

  it('shows a group message read twice (at-least-once engine) only once', async () => {
    await text(h.core, g, memberHex(1), 7, 'once');
    await text(h.core, g, memberHex(1), 7, 'once');
    await h.settle();
    assert.deepEqual(h.frontend.texts(ROOM).filter((t) => t === 'once'), ['once']);
  });

  it('keeps the order and loses nothing when the frontend is down, then delivers after it returns', async () => {
    h.frontend.down = true;
    for (let i = 0; i < 5; i++) await text(h.core, g, memberHex(1), i, `d${i}`);
    await h.settle(150);
    assert.equal(h.frontend.shown.length, 0);
    h.frontend.down = false;
    await h.settle(100);
    assert.deepEqual(h.frontend.texts(ROOM), ['d0', 'd1', 'd2', 'd3', 'd4']);
  });

  it('after a restart mid-way shows every message exactly once (dedup across restarts)', async () => {
    for (let i = 0; i < 10; i++) await text(h.core, g, memberHex(1), i, `r${i}`);
    for (let i = 0; i < 10; i++) await h.core.userMessage(userMsg(i, `o${i}`));
    // Crash before the queues drained: stop at once and reopen on the same file.
    await h.restart();
    // The engine re-emits what it had not confirmed, the frontend redelivers its events.
    for (let i = 0; i < 10; i++) await text(h.core, g, memberHex(1), i, `r${i}`);
    for (let i = 0; i < 10; i++) await h.core.userMessage(userMsg(i, `o${i}`));
    await h.settle();
    assert.deepEqual(h.frontend.texts(ROOM).filter((t) => t.startsWith('r')), Array.from({ length: 10 }, (_, i) => `r${i}`));
    assert.deepEqual(h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : '')), Array.from({ length: 10 }, (_, i) => `o${i}`));
  });

  it('reuses the transaction id when a post is retried after a restart, so the frontend shows it once', async () => {
    await text(h.core, g, memberHex(1), 0, 'txn');
    await h.settle();
    const first = h.frontend.shown.find((s) => s.text === 'txn')!;
    // Pretend the core crashed after the post but before marking it delivered.
    await h.store.db.run("UPDATE bridge_deliveries SET state = 'pending', event_id = NULL");
    await h.restart();
    await h.settle();
    assert.equal(h.frontend.shown.filter((s) => s.text === 'txn').length, 1);
    assert.ok(h.frontend.calls >= 2, 'the post was tried again');
    assert.equal(h.frontend.shown.find((s) => s.text === 'txn')!.txnId, first.txnId);
  });

  it('sends the same message id when a group write is retried after a restart', async () => {
    await h.core.userMessage(userMsg(1, 'idem'));
    await h.settle();
    await h.store.db.run("UPDATE bridge_outbox SET state = 'queued', counter = NULL");
    await h.restart();
    await h.settle();
    assert.equal(h.group.writes.length, 2);
    assert.deepEqual(h.group.writes[0]!.message.msgId, h.group.writes[1]!.message.msgId);
    assert.equal(h.group.written.length, 1);
  });

  it('retries a failing frontend post with backoff and keeps later messages behind it', async () => {
    h.frontend.failNext(2, true);
    await text(h.core, g, memberHex(1), 0, 'first');
    await text(h.core, g, memberHex(1), 1, 'second');
    await h.settle();
    assert.deepEqual(h.frontend.texts(ROOM), ['first', 'second']);
  });

  it('shows a notice next to a group message that finally failed, and carries on', async () => {
    h.frontend.failNext(1, false);
    await text(h.core, g, memberHex(1), 0, 'rejected');
    await text(h.core, g, memberHex(1), 1, 'after');
    await h.settle();
    const texts = h.frontend.texts(ROOM);
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /^A message from alice could not be shown here: the network refused it\.$/);
    assert.equal(texts[1], 'after');
    assert.ok(h.log.lines.some((l) => /inbound\.delivery_failed.*fake failure/.test(l)), 'the internal cause is logged');
  });

  it('shows a notice next to a user message the group refused', async () => {
    h.group.failNext(1, false);
    await h.core.userMessage(userMsg(1, 'refused text'));
    await h.core.userMessage(userMsg(2, 'next'));
    await h.settle();
    const notice = h.frontend.in(ROOM).find((s) => s.type === 'notice')!;
    assert.equal(notice.text, 'Your message "refused text" was not delivered to the group: the group refused it.');
    assert.equal(notice.replyTo, '$ev1');
    assert.deepEqual(h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : '')), ['next']);
  });

  it('tells the sender once when a message is delayed, and sends it in order when the group is back', async () => {
    h.group.down = true;
    await h.core.userMessage(userMsg(1, 'delayed'));
    await h.core.userMessage(userMsg(2, 'behind it'));
    await h.settle(250);
    const notices = h.frontend.in(ROOM).filter((s) => s.type === 'notice');
    assert.deepEqual(notices.map((n) => [n.text, n.replyTo]), [
      ['Your message "delayed" is delayed: the Katzenpost daemon is unreachable. The bridge keeps trying and will send it in order.', '$ev1'],
    ]);
    assert.equal(h.group.written.length, 0);
    h.group.down = false;
    await h.settle(100);
    assert.deepEqual(h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : '')), ['delayed', 'behind it']);
  });

  it('unlinking a room drops what still waits for it, and says so', async () => {
    h.frontend.down = true;
    await text(h.core, g, memberHex(1), 0, 'stuck');
    await h.settle(30);
    const admin = { frontend: h.frontend.id, userId: asFrontendUserId('@admin:example.org'), adminIdentity: '@admin:example.org' };
    const r = await h.core.adminCommand(admin, 'unlink g1');
    assert.equal(r.text, 'Unlinked g1 from !room:x. 1 message still waiting for that room will not be shown there.');
    h.frontend.down = false;
    await h.settle(60);
    assert.deepEqual(h.frontend.shown, []);
  });

  it('refuses a file over max_file_bytes with a notice', async () => {
    await h.core.userMessage({ ...userMsg(1, 'big.bin'), file: { basename: 'big.bin', filetype: 'application/octet-stream', bytes: new Uint8Array(5000) } });
    await h.settle();
    assert.match(h.frontend.texts(ROOM)[0]!, /larger than this bridge's limit of 1000 bytes/);
    assert.equal(h.group.written.length, 0);
  });

  it('does not echo a puppet’s own message back to its frontend, but shows it on another frontend', async () => {
    const other = new FakeFrontend({ id: 'other' });
    await h.core.registerFrontend(other);
    await h.core.stores.portals.link(g, other.id, asFrontendRoomId('#chan'));
    await h.core.userMessage(userMsg(1, 'from fake'));
    await h.settle();
    const w = h.group.written[0]!;
    // The engine reads the puppet's stream like any member's.
    await text(h.core, g, w.member, Number(w.counter), 'from fake', 'bob (fakenet)');
    await h.settle();
    assert.deepEqual(h.frontend.texts(ROOM), []);
    assert.deepEqual(other.texts('#chan'), ['from fake']);
  });

  it('uses fallbacks for replies, edits and files on a frontend without those capabilities', async () => {
    const alice = memberHex(1);
    await text(h.core, g, alice, 0, 'original words');
    await h.core.groupEvent({ type: 'text', groupId: g, member: alice, counter: asBoxCounter('1'), displayName: 'alice', text: 'an answer', replyTo: { member: alice, counter: asBoxCounter('0') } });
    await h.core.groupEvent({ type: 'text', groupId: g, member: alice, counter: asBoxCounter('2'), displayName: 'alice', text: 'fixed words', editOf: { member: alice, counter: asBoxCounter('0') } });
    await h.core.groupEvent({ type: 'file', groupId: g, member: alice, counter: asBoxCounter('3'), displayName: 'alice', basename: 'cat.png', filetype: 'image/png', bytes: new Uint8Array(12) });
    await h.settle();
    assert.deepEqual(h.frontend.texts(ROOM), [
      'original words',
      '> alice: original words\nan answer',
      '* fixed words (edited)',
      'alice sent a file, cat.png (image/png, 12 bytes), which this room cannot show.',
    ]);
  });
});

describe('bridge delivery with a capable frontend', () => {
  let h: Harness;
  let g: GroupId;
  beforeEach(async () => {
    h = await new Harness({ frontend: { replies: true, edits: true, files: true } }).open();
    g = await h.portal();
  });
  afterEach(() => h.close());

  it('uses native replies, edits and files, and maps a user’s reply to the group message', async () => {
    const alice = memberHex(1);
    await text(h.core, g, alice, 0, 'question');
    await h.core.groupEvent({ type: 'text', groupId: g, member: alice, counter: asBoxCounter('1'), displayName: 'alice', text: 'question!', editOf: { member: alice, counter: asBoxCounter('0') } });
    await h.core.groupEvent({ type: 'file', groupId: g, member: alice, counter: asBoxCounter('2'), displayName: 'alice', basename: 'a.txt', filetype: 'text/plain', bytes: new Uint8Array([104, 105]) });
    await h.settle();
    const [orig, edit, file] = h.frontend.in(ROOM);
    assert.equal(edit!.type, 'edit');
    assert.equal(edit!.replyTo, orig!.eventId);
    assert.equal(file!.type, 'file');
    assert.deepEqual([...file!.file!.bytes], [104, 105]);
    await h.core.userMessage({ ...userMsg(1, 'answer'), replyTo: orig!.eventId });
    await h.settle();
    const sent = h.group.written[0]!.message;
    assert.ok(sent.kind === 'text' && sent.replyTo);
    assert.deepEqual(sent.replyTo, { member: alice, counter: '0' });
    // Alice replies to bob's message: the frontend gets a native reply to bob's own event.
    const bob = h.group.written[0]!;
    await h.core.groupEvent({ type: 'text', groupId: g, member: alice, counter: asBoxCounter('3'), displayName: 'alice', text: 'thanks', replyTo: { member: bob.member, counter: bob.counter } });
    await h.settle();
    const reply = h.frontend.in(ROOM).at(-1)!;
    assert.equal(reply.type, 'reply');
    assert.equal(reply.replyTo, '$ev1');
  });
});

describe('bridge reactions and deletions (no such thing on the wire)', () => {
  let h: Harness;
  let g: GroupId;
  beforeEach(async () => {
    h = await new Harness().open();
    g = await h.portal();
  });
  afterEach(() => h.close());

  it('a reaction is sent as an emote quoting the message; a deletion gets a notice', async () => {
    await text(h.core, g, memberHex(1), 0, 'nice weather');
    await h.settle();
    const target = h.frontend.in(ROOM)[0]!.eventId;
    await h.core.userReaction({ frontend: h.frontend.id, room: ROOM, eventId: asFrontendEventId('$r1'), sender: { userId: asFrontendUserId('@bob:x'), displayName: 'bob' }, target, key: '👍' });
    await h.core.userRedaction(h.frontend.id, ROOM, asFrontendEventId('$r1'));
    await h.settle();
    const sent = h.group.written[0]!.message;
    assert.ok(sent.kind === 'text');
    assert.equal(sent.text, 'reacted 👍 to: nice weather');
    assert.ok(sent.emote);
    assert.deepEqual(sent.replyTo, { member: memberHex(1), counter: '0' });
    const notice = h.frontend.in(ROOM).at(-1)!;
    assert.equal(notice.text, 'Deleting is not bridged: Katzenpost messages cannot be taken back, so the group still has this message.');
    assert.equal(notice.replyTo, '$r1');
  });
});

describe('bridge delivery status (issue 6)', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('tells the sender’s frontend each message that reached Katzenpost, in order; a refused one only gets its notice', async () => {
    h = await new Harness({ frontend: { deliveryStatus: true } }).open();
    await h.portal();
    h.group.failNext(1, false);
    for (let i = 0; i < 4; i++) await h.core.userMessage(userMsg(i, `s${i}`));
    await h.settle();
    assert.deepEqual(h.frontend.delivered.map((d) => d.event), ['$ev1', '$ev2', '$ev3']);
    assert.ok(h.frontend.in(ROOM).some((x) => x.replyTo === '$ev0' && /was not delivered/.test(x.text ?? '')));
  });

  it('a frontend that cannot show delivery status still delivers; a failing status call is only logged', async () => {
    h = await new Harness({ frontend: { deliveryStatus: true } }).open();
    await h.portal();
    await h.core.userMessage(userMsg(1, 'a'));
    await h.settle();
    h.frontend.down = true;
    await h.core.userMessage(userMsg(2, 'b'));
    await h.settle(80);
    h.frontend.down = false;
    assert.deepEqual(h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : '')), ['a', 'b']);
    assert.deepEqual(h.frontend.delivered.map((d) => d.event), ['$ev1']);
    assert.ok(h.log.lines.some((l) => l.includes('outbound.status_not_shown')), 'logged');
  });
});
