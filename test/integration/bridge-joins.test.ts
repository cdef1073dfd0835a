import { strict as assert } from 'node:assert';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, asFrontendUserId, type GroupId } from '../../src/ids/index.js';
import type { CommandCaller, UserMessage } from '../../src/bridge/index.js';
import { ADMIN, Harness } from '../unit/bridge/harness.js';

// DESIGN.md §3 "Per-user streams" and "Joining is approved": puppets by policy auto|approval,
// join requests from vouchers and from frontend users, approve / deny / rename.

const ROOM = asFrontendRoomId('!room:x');
const admin: CommandCaller = { frontend: asFrontendId('fake'), userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const say = (n: number, body: string, user = '@carol:x', name = 'carol'): UserMessage => ({
  frontend: asFrontendId('fake'),
  room: ROOM,
  eventId: asFrontendEventId(`$e${n}`),
  sender: { userId: asFrontendUserId(user), displayName: name },
  message: { kind: 'text', text: body },
});
const sentTexts = (h: Harness) => h.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : ''));

describe('bridge puppets and join requests (integration)', () => {
  describe('policy auto', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await new Harness({ joinPolicy: 'auto' }).open();
      await h.portal();
    });
    afterEach(() => h.close());

    it('makes a puppet on the first message, named by the template, and no join request', async () => {
      await h.core.userMessage(say(1, 'hi'));
      await h.settle();
      assert.deepEqual(h.group.introduced.map((i) => i.displayName), ['carol (fakenet)']);
      assert.deepEqual(sentTexts(h), ['hi']);
      assert.equal((await h.core.stores.joins.pending()).length, 0);
    });

    it('keeps the puppet across a restart (one stream per user and group)', async () => {
      await h.core.userMessage(say(1, 'one'));
      await h.settle();
      await h.restart();
      await h.core.userMessage(say(2, 'two'));
      await h.settle();
      assert.equal(h.group.introduced.length, 1);
      assert.equal(new Set(h.group.written.map((w) => w.member)).size, 1);
      assert.deepEqual(sentTexts(h), ['one', 'two']);
    });

    it('sanitises a hostile frontend display name in the puppet name', async () => {
      await h.core.userMessage(say(1, 'x', '@evil:x', 'ev\u202eil\nadmin\u0000'));
      await h.settle();
      assert.equal(h.group.introduced[0]!.displayName, 'ev il admin (fakenet)');
    });
  });

  describe('policy approval', () => {
    let h: Harness;
    let g: GroupId;
    beforeEach(async () => {
      h = await new Harness({ joinPolicy: 'approval' }).open();
      g = await h.portal();
    });
    afterEach(() => h.close());

    it('holds a newcomer’s messages behind a join request, then sends them in order on approve', async () => {
      await h.core.userMessage(say(1, 'first'));
      await h.core.userMessage(say(2, 'second'));
      await h.settle();
      assert.equal(h.group.written.length, 0);
      const [req] = await h.core.stores.joins.pending(g);
      assert.ok(req);
      const notices = h.frontend.texts(ROOM);
      assert.ok(notices.includes(`Join request #${req.id}: "carol (fakenet)" asks to join. Admins: approve ${req.id} [name] | deny ${req.id} | rename ${req.id} NEW-NAME`), notices.join('\n'));
      assert.equal(notices.filter((t) => t.startsWith('Join request')).length, 1, 'one notice for two messages');
      const reply = await h.core.adminCommand(admin, `approve ${req.id}`);
      assert.ok(reply.ok, reply.text);
      await h.settle();
      assert.deepEqual(sentTexts(h), ['first', 'second']);
      assert.deepEqual(h.group.introduced.map((i) => i.displayName), ['carol (fakenet)']);
      assert.ok(h.frontend.texts(ROOM).some((t) => t === `Join request #${req.id} approved by ${ADMIN}: "carol (fakenet)" is now a member.`));
    });

    it('survives a restart while held: approve after the restart still sends in order', async () => {
      await h.core.userMessage(say(1, 'a'));
      await h.core.userMessage(say(2, 'b'));
      await h.restart();
      const [req] = await h.core.stores.joins.pending(g);
      assert.ok((await h.core.adminCommand(admin, `approve ${req!.id}`)).ok);
      await h.settle();
      assert.deepEqual(sentTexts(h), ['a', 'b']);
    });

    it('rename then approve: the puppet joins under the new name', async () => {
      await h.core.userMessage(say(1, 'hello'));
      const [req] = await h.core.stores.joins.pending(g);
      const r = await h.core.adminCommand(admin, `rename ${req!.id} "Carol Smith"`);
      assert.ok(r.ok, r.text);
      assert.equal((await h.core.stores.joins.get(req!.id))!.state, 'pending');
      await h.core.adminCommand(admin, `approve ${req!.id}`);
      await h.settle();
      assert.deepEqual(h.group.introduced.map((i) => i.displayName), ['Carol Smith']);
      assert.ok(h.frontend.texts(ROOM).includes(`Join request #${req!.id}: "carol (fakenet)" will join as "Carol Smith".`));
    });

    it('deny: nothing is written, each held message gets a notice next to it, later messages too', async () => {
      await h.core.userMessage(say(1, 'nope'));
      const [req] = await h.core.stores.joins.pending(g);
      const r = await h.core.adminCommand(admin, `deny ${req!.id}`);
      assert.ok(r.ok, r.text);
      await h.core.userMessage(say(2, 'again'));
      await h.settle();
      assert.equal(h.group.written.length, 0);
      assert.equal(h.group.introduced.length, 0);
      const fails = h.frontend.in(ROOM).filter((s) => s.text.startsWith('Your message "'));
      assert.deepEqual(fails.map((s) => [s.text, s.replyTo]), [
        ['Your message "nope" was not delivered to the group: an admin declined your join request.', '$e1'],
        ['Your message "again" was not delivered to the group: an admin declined your join request.', '$e2'],
      ]);
    });

    it('two admins approving the same request at once: one approves, the other is told it is decided', async () => {
      await h.core.userMessage(say(1, 'race'));
      const [req] = await h.core.stores.joins.pending(g);
      const answers = await Promise.all([h.core.adminCommand(admin, `approve ${req!.id}`), h.core.adminCommand(admin, `approve ${req!.id}`)]);
      assert.deepEqual(answers.map((a) => a.ok), [true, false]);
      await h.settle();
      assert.equal(h.group.introduced.length, 1);
      assert.deepEqual(sentTexts(h), ['race']);
    });

    it('a user entering the room gets a join request before saying anything', async () => {
      await h.core.userJoined(asFrontendId('fake'), ROOM, { userId: asFrontendUserId('@dave:x'), displayName: 'dave' });
      const [req] = await h.core.stores.joins.pending(g);
      assert.equal(req!.displayName, 'dave (fakenet)');
    });

    it('a decided request cannot be decided again, and an unknown number is answered clearly', async () => {
      await h.core.userMessage(say(1, 'x'));
      const [req] = await h.core.stores.joins.pending(g);
      await h.core.adminCommand(admin, `deny ${req!.id}`);
      assert.equal((await h.core.adminCommand(admin, `approve ${req!.id}`)).text, `Cannot approve: join request #${req!.id} was already denied by ${ADMIN}.`);
      assert.equal((await h.core.adminCommand(admin, 'approve 99')).text, 'Cannot approve: there is no join request #99; `pending` lists the open ones.');
    });
  });

  describe('vouchers', () => {
    let h: Harness;
    let g: GroupId;
    const VOUCHER = Buffer.alloc(32, 7).toString('base64');
    beforeEach(async () => {
      h = await new Harness().open();
      g = await h.portal();
    });
    afterEach(() => h.close());

    it('induct -> join request notice -> approve inducts under the requested name', async () => {
      const r = await h.core.adminCommand(admin, `induct g1 ${VOUCHER}`);
      assert.ok(r.ok, r.text);
      assert.equal(h.group.inductions[0]!.voucher, VOUCHER);
      const ref = Buffer.from(VOUCHER, 'base64').toString('hex');
      await h.core.groupEvent({ type: 'join_request', groupId: g, engineRef: ref, requestedName: 'erin' });
      await h.core.groupEvent({ type: 'join_request', groupId: g, engineRef: ref, requestedName: 'erin' }); // read twice
      const pending = await h.core.stores.joins.pending(g);
      assert.equal(pending.length, 1);
      const id = pending[0]!.id;
      assert.ok((await h.core.adminCommand(admin, `approve ${id}`)).ok);
      assert.deepEqual(h.group.approved, [{ engineRef: ref, displayName: 'erin' }]);
      await h.settle();
      assert.equal(h.frontend.texts(ROOM).filter((t) => t.startsWith(`Join request #${id}:`)).length, 1);
    });

    it('approve with a name renames; deny calls the engine’s deny and adds nobody', async () => {
      const ref1 = 'aa'.repeat(32);
      const ref2 = 'bb'.repeat(32);
      await h.core.groupEvent({ type: 'join_request', groupId: g, engineRef: ref1, requestedName: 'frank' });
      await h.core.groupEvent({ type: 'join_request', groupId: g, engineRef: ref2, requestedName: 'gina' });
      const [a, b] = await h.core.stores.joins.pending(g);
      assert.ok((await h.core.adminCommand(admin, `approve ${a!.id} Frank Z`)).ok);
      assert.ok((await h.core.adminCommand(admin, `deny ${b!.id}`)).ok);
      assert.deepEqual(h.group.approved, [{ engineRef: ref1, displayName: 'Frank Z' }]);
      assert.deepEqual(h.group.denied, [ref2]);
      assert.equal((await h.group.members(g)).length, 1);
    });

    it('the voucher command answers privately with a voucher and makes a portal', async () => {
      const r = await h.core.adminCommand(admin, 'voucher Other Group');
      assert.ok(r.ok && r.private, r.text);
      assert.match(r.text, /[A-Za-z0-9+/]{43}=/);
      assert.ok(await h.core.stores.portals.get('other-group' as GroupId));
    });
  });
});
