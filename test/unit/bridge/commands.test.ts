import { strict as assert } from 'node:assert';
import { asFrontendId, asFrontendRoomId, asFrontendUserId, asGroupId } from '../../../src/ids/index.js';
import { ALL_COMMANDS, type CommandCaller } from '../../../src/bridge/index.js';
import { tokenize } from '../../../src/bridge/commands/parse.js';
import { FakeFrontend } from '../../support/fake-frontend.js';
import { memberHex } from './fake-group-side.js';
import { ADMIN, Harness } from './harness.js';

const fe = asFrontendId('fake');
const admin: CommandCaller = { frontend: fe, userId: asFrontendUserId(ADMIN), adminIdentity: ADMIN };
const stranger: CommandCaller = { frontend: fe, userId: asFrontendUserId('@eve:x'), adminIdentity: '@eve:x' };
const unverified: CommandCaller = { frontend: fe, userId: asFrontendUserId(ADMIN) };

describe('bridge: admin commands', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open();
  });
  afterEach(() => h.close());
  const run = (line: string, caller: CommandCaller = admin) => h.core.adminCommand(caller, line);

  it('has the commands DESIGN.md §4 lists (and policy), each with help', () => {
    assert.deepEqual(ALL_COMMANDS.map((c) => c.name), ['help', 'status', 'groups', 'create', 'link', 'unlink', 'policy', 'members', 'pending', 'approve', 'deny', 'rename', 'induct', 'voucher']);
    for (const c of ALL_COMMANDS) assert.ok(c.help.length > 10, c.name);
  });

  it('refuses every admin command politely for a non-admin, and for an unverified identity', async () => {
    for (const c of ALL_COMMANDS.filter((x) => x.name !== 'help')) {
      for (const who of [stranger, unverified]) {
        const r = await run(`${c.name} x`, who);
        assert.equal(r.ok, false);
        assert.equal(r.text, `Sorry, \`${c.name}\` is only for this bridge's admins. Please ask one of them.`);
      }
    }
    assert.equal(h.group.groups.size, 0, 'nothing happened');
  });

  it('help works for everyone and explains one command', async () => {
    const all = await run('help', stranger);
    assert.ok(all.ok);
    for (const c of ALL_COMMANDS) assert.ok(all.text.includes(c.name));
    assert.equal((await run('help approve', stranger)).text, '`approve REQUEST [name]`: Approve a join request, optionally under another display name.');
  });

  const bad: Array<[string, string]> = [
    ['', 'Type `help` for the list of commands.'],
    ['frobnicate', 'There is no command `frobnicate`. Type `help` for the list.'],
    ['approve', '`approve` needs request. Usage: `approve REQUEST [name]`'],
    ['approve abc', '`abc` is not a join request number; `pending` lists them (e.g. `approve 3`).'],
    ['approve 0', 'Join request numbers start at 1; `pending` lists them.'],
    ['deny 1 2', '`deny` takes at most 1 argument. Usage: `deny REQUEST`'],
    ['rename 1', '`rename` needs name. Usage: `rename REQUEST NAME`'],
    ['rename 1 "unclosed', 'I could not read that: a quote is not closed; put a " after the quoted words.'],
    ['members', '`members` needs which group: type it in a portal room, or give the group first (`members [GROUP]`). `groups` lists them.'],
    ['members nosuch', '`members` needs the group `nosuch`, which does not exist: type it in a portal room, or give the group first (`members [GROUP]`). `groups` lists them.'],
    ['create \u0000', 'Give the group a name with printable characters: `create NAME`.'],
  ];
  for (const [line, answer] of bad) {
    it(`answers a bad command clearly: ${JSON.stringify(line)}`, async () => {
      const r = await run(line);
      assert.equal(r.ok, false);
      assert.equal(r.text, answer);
    });
  }

  it('refuses a malformed voucher without echoing it', async () => {
    await h.portal('g1');
    const r = await run('induct g1 not-a-voucher-SECRETISH');
    assert.equal(r.ok, false);
    assert.ok(!r.text.includes('SECRETISH'));
    assert.match(r.text, /44 characters of base64/);
    assert.equal(h.group.inductions.length, 0);
  });

  it('create without room creation tells the admin to link; link, groups, unlink', async () => {
    const c = await run('create Book Club');
    assert.equal(c.text, 'Created group book-club "Book Club". This network cannot create rooms for it: `link book-club ROOM` links one.');
    assert.ok(h.group.groups.has(asGroupId('book-club')));
    assert.equal((await run('create Book Club')).text.split('"')[0], 'Created group book-club-2 ');
    assert.equal((await run('link book-club !r:x')).text, 'Linked book-club to !r:x.');
    assert.deepEqual(h.frontend.roomInfo.get(asFrontendRoomId('!r:x')), { name: 'Book Club', topic: 'Katzenpost group Book Club' });
    assert.equal((await run('link book-club-2 !r:x')).text, '!r:x is already linked to book-club; `unlink book-club` first.');
    assert.match((await run('groups')).text, /^book-club "Book Club" \(auto\): fake !r:x\nbook-club-2 "Book Club" \(auto\): not linked$/);
    assert.equal((await run('unlink book-club')).text, 'Unlinked book-club from !r:x.');
    assert.equal((await run('unlink book-club')).text, 'book-club is not linked to a room on this network.');
  });

  it('create on a frontend that can create rooms links the new room', async () => {
    const h2 = await new Harness({ frontend: { createRooms: true } }).open();
    try {
      const r = await h2.core.adminCommand(admin, 'create Chess');
      assert.equal(r.text, 'Created group chess "Chess" and its room !room1.');
      assert.equal((await h2.core.stores.portals.get(asGroupId('chess')))!.rooms.get(fe), '!room1');
    } finally {
      await h2.close();
    }
  });

  it('a command typed in a portal room applies to its group; members and status answer', async () => {
    await h.portal('g1', '!p:x');
    h.group.addMember(asGroupId('g1'), memberHex(1), 'alice');
    const inRoom = { ...admin, room: asFrontendRoomId('!p:x') };
    assert.equal((await h.core.adminCommand(inRoom, 'members')).text, `g1: 1 member besides the bridge.\nalice [${memberHex(1).slice(0, 8)}]`);
    const st = await run('status');
    assert.ok(st.ok);
    assert.match(st.text, /^Portals: 1\. Frontends: fake\./);
  });

  it('a failing command answers without internals and logs only its name', async () => {
    await h.portal('g1');
    h.group.requestInduction = async () => {
      throw new Error('daemon exploded with key 0123456789abcdef');
    };
    const r = await run(`induct g1 ${Buffer.alloc(32, 1).toString('base64')}`);
    assert.equal(r.text, "`induct` failed on the bridge's side; the details are in its log.");
    assert.ok(!h.log.lines.join('\n').includes('0123456789abcdef'));
    assert.ok(h.log.lines.some((l) => l.includes('command.failed') && l.includes('induct')));
  });

  it('tokenize keeps quoted words and escapes', () => {
    assert.deepEqual(tokenize('rename 3 "Ann \\"A\\" Lee"'), { words: ['rename', '3', 'Ann "A" Lee'], starts: [0, 7, 9] });
  });

  it('the fake frontend offers no capabilities unless asked (the guards see exactly what exists)', async () => {
    const { isEditCapable, isReplyCapable, isFileCapable, isRoomCreateCapable, isReactionCapable } = await import('../../../src/bridge/index.js');
    const plain = new FakeFrontend();
    const rich = new FakeFrontend({ replies: true, edits: true, files: true, createRooms: true });
    assert.deepEqual([isEditCapable, isReplyCapable, isFileCapable, isRoomCreateCapable, isReactionCapable].map((g) => g(plain)), [false, false, false, false, false]);
    assert.deepEqual([isEditCapable, isReplyCapable, isFileCapable, isRoomCreateCapable, isReactionCapable].map((g) => g(rich)), [true, true, true, true, false]);
  });
});
