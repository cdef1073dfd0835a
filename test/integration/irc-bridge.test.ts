import { strict as assert } from 'node:assert';
import { freePort, startInspircd, type InspircdServer } from '../support/servers/index.js';
import { memberHex } from '../unit/bridge/fake-group-side.js';
import type { GroupId } from '../../src/ids/index.js';
import { IrcConnection, ircMetrics, textBudgetBytes } from '../../src/irc/index.js';
import { IrcBridge } from './irc-bridge-fixture.js';
import { IrcUser, waitFor } from './irc-test-client.js';

// Issue 7 against a real InspIRCd (scripts/servers/inspircd.sh): the bridge core on sqlite with a
// fake group side (the Katzenpost half is tested elsewhere), the real IRC frontend, IRC users on
// irc-framework. Each test is a user story on its own channel.

const writtenTexts = (b: IrcBridge): string[] => b.group.written.map((w) => (w.message.kind === 'text' ? w.message.text : `[file ${w.message.basename}]`));

describe('irc bridge (integration: core + real InspIRCd)', function () {
  this.timeout(60_000);
  let server: InspircdServer;
  let b: IrcBridge;
  const users: IrcUser[] = [];
  const user = async (nick: string, channel?: string): Promise<IrcUser> => {
    const u = await IrcUser.connect(server, nick);
    users.push(u);
    if (channel) await u.join(channel);
    return u;
  };

  before(async () => {
    server = await startInspircd();
  });
  after(async () => {
    await server?.destroy();
  });
  afterEach(async () => {
    await Promise.all(users.splice(0).map((u) => u.quit()));
    await b?.close();
  });

  describe('puppets mode', () => {
    let g: GroupId;
    beforeEach(async () => {
      b = await new IrcBridge({ server, maxLines: 6 }).open();
      g = (await b.portal('g1', '#kb')).groupId;
      await b.startIrc();
    });

    it('shows group text and actions on IRC in order, from a puppet named after the member', async () => {
      const dave = await user('dave', '#kb');
      const alice = memberHex(1);
      for (let i = 0; i < 5; i++) await b.text(g, alice, i, 'Alice Smith', `hello ${i}`);
      await b.text(g, alice, 5, 'Alice Smith', 'waves', true);
      const heard = await dave.expect((h) => h.target === '#kb' && h.nick === 'Alice_Smith', 6);
      assert.deepEqual(heard.map((h) => [h.type, h.message]), [...Array.from({ length: 5 }, (_, i) => ['privmsg', `hello ${i}`]), ['action', 'waves']]);
    });

    it('sends IRC text and actions to the group in order as the user’s own puppet, formatting stripped', async () => {
      const dave = await user('dave', '#kb');
      await waitFor(() => b.frontend.status().channels.includes('#kb'), 'portal known');
      for (let i = 0; i < 5; i++) dave.say('#kb', `line ${i}`);
      dave.action('#kb', 'nods');
      dave.say('#kb', '\x02bold\x02 and \x034red\x03');
      await waitFor(() => b.group.written.length >= 7, 'seven messages written');
      assert.deepEqual(writtenTexts(b), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'nods', 'bold and red']);
      assert.equal(b.group.written[5]!.message.kind === 'text' && b.group.written[5]!.message.emote, true);
      assert.equal(new Set(b.group.written.map((w) => w.member)).size, 1);
      assert.equal(b.group.introduced[0]!.displayName, 'dave (test)');
    });

    it('processes a line once although the bot and several puppets all see it', async () => {
      const dave = await user('dave', '#kb');
      await b.text(g, memberHex(1), 0, 'p1', 'x');
      await b.text(g, memberHex(2), 0, 'p2', 'y');
      await dave.expect((h) => h.nick === 'p2' && h.message === 'y');
      dave.say('#kb', 'seen by three');
      dave.say('#kb', 'seen by three');
      await waitFor(() => b.group.written.length >= 2, 'two written');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(writtenTexts(b), ['seen by three', 'seen by three']);
      // Without the bot, the puppets alone still pass new lines on, once.
      await b.frontend.bot.stop();
      dave.say('#kb', 'seen by three');
      await waitFor(() => b.group.written.length >= 3, 'third written');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(writtenTexts(b), ['seen by three', 'seen by three', 'seen by three']);
    });

    it('resolves a nick collision with a real IRC user', async () => {
      const dave = await user('dave', '#kb');
      await user('carol', '#kb');
      await b.text(g, memberHex(3), 0, 'carol', 'I am the Katzenpost carol');
      const [h] = await dave.expect((x) => x.message === 'I am the Katzenpost carol');
      assert.equal(h!.nick, 'carol2');
    });

    it('splits a long message at the line limit without losing or breaking characters, and links the rest past the line cap', async () => {
      const dave = await user('dave', '#kb');
      const words = Array.from({ length: 180 }, (_, i) => `wörd${i}😀`).join(' ');
      await b.text(g, memberHex(4), 0, 'eve', words);
      await waitFor(() => b.frontend.status().puppets.length > 0, 'puppet');
      const lines = await dave.expect((h) => h.nick === 'eve', 4);
      await new Promise((r) => setTimeout(r, 300));
      const all = dave.heard.filter((h) => h.nick === 'eve');
      assert.ok(all.length >= 4 && all.length <= 6, `${all.length} lines`);
      assert.equal(all.map((h) => h.message).join(' '), words);
      const budget = textBudgetBytes({ command: 'PRIVMSG', target: '#kb', nick: 'eve' });
      for (const l of lines) assert.ok(Buffer.byteLength(l.message) <= budget, `${Buffer.byteLength(l.message)} > ${budget}`);
      assert.ok(Buffer.byteLength(lines[0]!.message) > budget - 60, 'the first line uses the line limit');

      const long = Array.from({ length: 20 }, (_, i) => `row ${i}`).join('\n');
      await b.text(g, memberHex(4), 1, 'eve', long);
      const over = await dave.expect((h) => h.nick === 'eve' && h.message.startsWith('… (15 more lines: '));
      const url = /(http:\/\/\S+)\)$/.exec(over[0]!.message)![1]!;
      const res = await fetch(url);
      assert.equal(res.headers.get('content-type'), 'text/plain');
      assert.equal(await res.text(), long);
    });

    it('offers a Katzenpost file as a signed link with the right bytes and type; refuses tampered and expired links', async () => {
      const dave = await user('dave', '#kb');
      const bytes = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
      await b.core.groupEvent({ type: 'file', groupId: g, member: memberHex(5), counter: '0' as never, displayName: 'frank', basename: 'pic.png', filetype: 'image/png', bytes });
      const [h] = await dave.expect((x) => x.nick === 'frank');
      const m = /^pic\.png \(2\.9 KiB\) <(http:\/\/[^>]+)>$/.exec(h!.message);
      assert.ok(m, h!.message);
      const res = await fetch(m[1]!);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);

      const tampered = m[1]!.replace(/\/(\d+)\//, (_s, exp: string) => `/${Number(exp) + 1000}/`);
      assert.equal((await fetch(tampered)).status, 403);
      b.linkClockSkewMs = 2 * 60 * 60_000;
      const expired = await fetch(m[1]!);
      assert.equal(expired.status, 403);
      assert.match(await expired.text(), /expired/);
    });

    it('announces a new member (an introduction) as a channel notice from the bot', async () => {
      const dave = await user('dave', '#kb');
      await b.core.groupEvent({ type: 'member_added', groupId: g, member: memberHex(9), displayName: 'Grace' });
      const [n] = await dave.expect((h) => h.type === 'notice' && h.nick === 'kbbot' && h.target === '#kb');
      assert.equal(n!.message, 'Grace joined the group.');
    });

    it('survives hostile names and text: control characters, CR/LF, 200 characters, colons', async () => {
      const dave = await user('dave', '#kb');
      const name = `ev:il\u0007 ${'n'.repeat(200)}`;
      await b.text(g, memberHex(6), 0, name, 'one\r\nQUIT :gone\r\nJOIN #elsewhere');
      await b.text(g, memberHex(6), 1, name, 'still here');
      const heard = await dave.expect((h) => h.message === 'still here');
      const from = heard[0]!.nick;
      const lines = dave.heard.filter((h) => h.nick === from).map((h) => h.message);
      assert.deepEqual(lines, ['one', 'QUIT :gone', 'JOIN #elsewhere', 'still here']);
      await b.core.groupEvent({ type: 'file', groupId: g, member: memberHex(6), counter: '2' as never, displayName: name, basename: 'x\r\nQUIT :y.txt', filetype: 'text/plain', bytes: new Uint8Array([1, 2, 3]) });
      const [file] = await dave.expect((h) => h.nick === from && h.message.startsWith('x__QUIT'));
      assert.match(file!.message, /^x__QUIT :y\.txt \(3 B\) <http:\/\/127\.0\.0\.1:\d+\/media\/\S+>$/);
      assert.equal(b.frontend.bot.state, 'registered');
    });
  });

  describe('relay mode and admin commands', () => {
    it('in puppets mode relays members past the connection cap (bot included) through the bot', async () => {
      b = await new IrcBridge({ server, maxConnections: 2 }).open();
      const { groupId } = await b.portal('g8', '#cap');
      await b.startIrc();
      const dave = await user('dave', '#cap');
      await b.text(groupId, memberHex(1), 0, 'first', 'as a puppet');
      await b.text(groupId, memberHex(2), 0, 'second', 'relayed');
      const heard = await dave.expect((h) => h.target === '#cap' && h.type === 'privmsg', 2);
      assert.deepEqual(heard.map((h) => [h.nick, h.message]), [['first', 'as a puppet'], ['kbbot', '<second> relayed']]);
      assert.equal(b.frontend.status().puppets.length, 1);
    });

    it('relays members through the bot with a name prefix in relay mode', async () => {
      b = await new IrcBridge({ server, puppetMode: 'relay' }).open();
      const { groupId } = await b.portal('g2', '#relay');
      await b.startIrc();
      const dave = await user('dave', '#relay');
      await b.text(groupId, memberHex(1), 0, 'Alice', 'hi');
      await b.text(groupId, memberHex(1), 1, 'Alice', 'waves', true);
      const heard = await dave.expect((h) => h.nick === 'kbbot' && h.type === 'privmsg', 2);
      assert.deepEqual(heard.map((h) => h.message), ['<Alice> hi', '* Alice waves']);
    });

    it('shows a join request as a channel notice; refuses a non-admin and lets the admin approve it over private message', async () => {
      b = await new IrcBridge({ server, joinPolicy: 'approval' }).open();
      const { groupId } = await b.portal('g3', '#approve');
      await b.startIrc();
      const erin = await user('erin', '#approve');
      const mallory = await user('mallory');
      const admin = await user('admin');
      erin.say('#approve', 'may I join?');
      const [notice] = await erin.expect((h) => h.type === 'notice' && h.nick === 'kbbot' && /Join request #\d+/.test(h.message));
      const id = /#(\d+)/.exec(notice!.message)![1]!;
      assert.equal(b.group.written.length, 0, 'held until approved');

      mallory.say('kbbot', `approve ${id}`);
      const [refusal] = await mallory.expect((h) => h.nick === 'kbbot' && h.target === 'mallory');
      assert.match(refusal!.message, /only for this bridge's admins/);
      assert.equal(b.group.introduced.length, 0);

      admin.say('kbbot', `approve ${id}`);
      const [ok] = await admin.expect((h) => h.nick === 'kbbot' && h.target === 'admin');
      assert.match(ok!.message, /approved|Approved/);
      await waitFor(() => b.group.written.length === 1, 'held message sent');
      assert.deepEqual(writtenTexts(b), ['may I join?']);
      assert.equal(b.group.introduced[0]!.groupId, groupId);
      assert.equal(b.group.introduced[0]!.displayName, 'erin (test)');
    });
  });

  describe('links from IRC users', () => {
    it('forwards a lone link as a file only when the config allows it', async () => {
      for (const allowed of [true, false]) {
        b = await new IrcBridge({ server, fetchLinks: allowed }).open();
        await b.portal('g7', '#links');
        await b.startIrc();
        const dave = await user('dave', '#links');
        const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
        const url = b.links.create(await b.mediaStore.put({ name: 'x.png', contentType: 'image/png', bytes }), 'x.png');
        dave.say('#links', url);
        await waitFor(() => b.group.written.length === 1, 'written');
        const m = b.group.written[0]!.message;
        if (allowed) {
          assert.equal(m.kind, 'file');
          assert.ok(m.kind === 'file' && m.filetype === 'image/png' && m.basename === 'x.png');
          assert.deepEqual(m.kind === 'file' ? m.bytes : undefined, bytes);
        } else {
          assert.deepEqual(m.kind === 'text' ? m.text : undefined, url);
        }
        await Promise.all(users.splice(0).map((u) => u.quit()));
        await b.close();
      }
      b = await new IrcBridge({ server }).open(); // for afterEach
    });
  });

  describe('channel mapping', () => {
    it('links a channel from the config at start and bridges it', async () => {
      b = await new IrcBridge({ server, channels: [{ channel: '#fromconfig', groupId: 'g5' as GroupId }] }).open();
      await b.group.createGroup('g5' as GroupId);
      await b.core.addPortal('g5' as GroupId, 'g5');
      await b.startIrc();
      const dave = await user('dave', '#fromconfig');
      await b.text('g5' as GroupId, memberHex(1), 0, 'alice', 'via config');
      await dave.expect((h) => h.target === '#fromconfig' && h.message === 'via config');
      assert.equal((await b.core.stores.portals.get('g5' as GroupId))!.rooms.get(b.frontend.id), '#fromconfig');
    });

    it('links a channel by an admin command over private message; the bot joins it', async () => {
      b = await new IrcBridge({ server }).open();
      await b.group.createGroup('g6' as GroupId);
      await b.core.addPortal('g6' as GroupId, 'g6');
      await b.startIrc();
      const dave = await user('dave', '#linked');
      const admin = await user('admin');
      admin.say('kbbot', 'link g6 #linked');
      const [ok] = await admin.expect((h) => h.nick === 'kbbot' && h.target === 'admin');
      assert.match(ok!.message, /Linked g6 to #linked/);
      await b.text('g6' as GroupId, memberHex(1), 0, 'alice', 'now linked');
      await dave.expect((h) => h.target === '#linked' && h.message === 'now linked');
      dave.say('#linked', 'and back');
      await waitFor(() => b.group.written.length === 1, 'written');
      assert.deepEqual(writtenTexts(b), ['and back']);
    });
  });

  describe('server restart', () => {
    it('keeps trying to connect past irc-framework’s three retries, and connects when the server appears', async () => {
      const port = await freePort();
      const conn = new IrcConnection({ id: 'probe', endpoint: { host: '127.0.0.1', port, tls: false }, nick: 'probe', flood: { burstLines: 4, intervalMs: 100 }, backoff: { baseMs: 40, maxMs: 80 } });
      let reconnects = 0;
      conn.onState((s) => {
        if (s === 'reconnecting') reconnects++;
      });
      conn.start();
      let late: InspircdServer | undefined;
      try {
        await waitFor(() => reconnects >= 6, 'six failed attempts');
        assert.notEqual(conn.state, 'registered');
        late = await startInspircd({ port });
        await waitFor(() => conn.state === 'registered', 'registered once the server is up');
      } finally {
        await conn.stop();
        await late?.destroy();
      }
    });


    it('reconnects after the IRC server restarts mid-conversation and delivers everything in order, nothing lost', async () => {
      b = await new IrcBridge({ server }).open();
      const { groupId } = await b.portal('g4', '#restart');
      await b.startIrc();
      let dave = await user('dave', '#restart');
      const alice = memberHex(1);
      await b.text(groupId, alice, 0, 'alice', 'before 0');
      await dave.expect((h) => h.message === 'before 0');
      dave.say('#restart', 'dave before');
      await waitFor(() => b.group.written.length === 1, 'dave before written');

      // Hold the bridge's reconnect until the test's user is back in the channel, so the user
      // sees every message the bridge delivers after its reconnect.
      b.clock.held = true;
      await server.stop();
      for (let i = 1; i <= 5; i++) await b.text(groupId, alice, i, 'alice', `during ${i}`);
      await new Promise((r) => setTimeout(r, 300));
      await server.start();
      dave = await user('dave', '#restart');
      b.clock.release();
      await waitFor(() => b.frontend.bot.registrations >= 2, 'bot reconnected');
      for (let i = 6; i <= 7; i++) await b.text(groupId, alice, i, 'alice', `after ${i}`);
      const heard = await dave.expect((h) => h.nick === 'alice', 7);
      assert.deepEqual(heard.map((h) => h.message), ['during 1', 'during 2', 'during 3', 'during 4', 'during 5', 'after 6', 'after 7']);
      dave.say('#restart', 'dave after');
      await waitFor(() => b.group.written.length === 2, 'dave after written');
      assert.deepEqual(writtenTexts(b), ['dave before', 'dave after']);
      assert.equal(b.frontend.status().bot.state, 'registered');
      const m = ircMetrics(b.registry);
      assert.equal(m.botConnected.get({ network: 'test' }), 1);
      assert.ok(m.reconnects.get({ network: 'test', role: 'bot' }) >= 1);
      assert.equal(m.puppetsConnected.get({ network: 'test' }), 1);
    });
  });
});
