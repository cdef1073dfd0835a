import { strict as assert } from 'node:assert';
import { asFrontendId, asFrontendRoomId, asFrontendUserId, type GroupId } from '../../src/ids/index.js';
import type { CommandCaller } from '../../src/bridge/index.js';
import { ADMIN, Harness } from '../unit/bridge/harness.js';

// Knocking (issue 6): a user asking to enter a portal room becomes a join request like a
// voucher's; approve makes their stream (introduced to the group) and lets them in, deny turns
// them away; the per-portal policy decides whether anyone must approve.

const ROOM = '!room:x';
const admin: CommandCaller = { frontend: asFrontendId('fake'), userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const carol = { userId: asFrontendUserId('@carol:x'), displayName: 'Carol' };

describe('bridge: knocks and the per-portal join policy (integration)', () => {
  let h: Harness;
  let g: GroupId;
  afterEach(() => h.close());
  const knock = () => h.core.userKnocked(h.frontend.id, asFrontendRoomId(ROOM), carol);

  it('approval: a knock is a join request with a notice; approve introduces her stream and lets her in', async () => {
    h = await new Harness({ joinPolicy: 'approval', frontend: { joinDecisions: true } }).open();
    g = await h.portal('g1', ROOM);
    await knock();
    await h.settle();
    const [request] = await h.core.stores.joins.pending();
    assert.ok(request, 'a join request');
    assert.ok(h.frontend.texts(ROOM).some((t) => t.startsWith(`Join request #${request.id}: "Carol (fakenet)"`)), h.frontend.texts(ROOM).join('\n'));
    assert.equal(h.frontend.decisions.length, 0, 'nobody decided yet');
    assert.ok((await h.core.adminCommand(admin, `approve ${request.id}`)).ok);
    await h.settle();
    assert.deepEqual(h.frontend.decisions, [{ room: ROOM, user: '@carol:x', approved: true }]);
    assert.deepEqual(h.group.introduced.map((i) => i.displayName), ['Carol (fakenet)']);
    assert.equal((await h.core.stores.puppets.get(g, h.frontend.id, carol.userId))?.state, 'active');
  });

  it('approval: deny turns her away and writes nothing; a second knock is turned away at once', async () => {
    h = await new Harness({ joinPolicy: 'approval', frontend: { joinDecisions: true } }).open();
    g = await h.portal('g1', ROOM);
    await knock();
    const [request] = await h.core.stores.joins.pending();
    assert.ok((await h.core.adminCommand(admin, `deny ${request!.id}`)).ok);
    await knock();
    await h.settle();
    assert.deepEqual(h.frontend.decisions.map((d) => d.approved), [false, false]);
    assert.equal(h.group.introduced.length, 0);
    assert.equal((await h.core.stores.joins.pending()).length, 0);
  });

  it('auto: a knock lets her in at once with her own stream; `policy` switches a portal between the two', async () => {
    h = await new Harness({ joinPolicy: 'approval', frontend: { joinDecisions: true } }).open();
    g = await h.portal('g1', ROOM);
    const r = await h.core.adminCommand(admin, 'policy g1 auto');
    assert.ok(r.ok, r.text);
    assert.match(r.text, /now has join policy auto/);
    await knock();
    await h.settle();
    assert.deepEqual(h.frontend.decisions, [{ room: ROOM, user: '@carol:x', approved: true }]);
    assert.equal(h.group.introduced.length, 1);
    assert.equal((await h.core.stores.joins.pending()).length, 0);
    assert.match((await h.core.adminCommand(admin, 'policy g1 sometimes')).text, /`auto` or `approval`, not "sometimes"/);
    assert.match((await h.core.adminCommand(admin, 'policy g1 auto')).text, /already has join policy auto/);
  });

  it('a knock on a room that is no portal is ignored', async () => {
    h = await new Harness({ frontend: { joinDecisions: true } }).open();
    await h.core.userKnocked(h.frontend.id, asFrontendRoomId('!elsewhere:x'), carol);
    await h.settle();
    assert.deepEqual([h.frontend.decisions.length, (await h.core.stores.joins.pending()).length], [0, 0]);
  });
});
