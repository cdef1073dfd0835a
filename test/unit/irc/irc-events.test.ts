import { strict as assert } from 'node:assert';
import type { BridgeCoreApi, CommandCaller, UserMessage } from '../../../src/bridge/index.js';
import { asFrontendId, asFrontendRoomId } from '../../../src/ids/index.js';
import { AdminMatcher, IrcEventHandler } from '../../../src/irc/index.js';

/** Records what the handler asks of the core. */
class FakeCore implements BridgeCoreApi {
  messages: UserMessage[] = [];
  commands: Array<{ caller: CommandCaller; text: string }> = [];
  joined: string[] = [];
  async userMessage(e: UserMessage) {
    this.messages.push(e);
  }
  async userReaction() {}
  async userRedaction() {}
  async userJoined(_f: unknown, _r: unknown, u: { userId: string }) {
    this.joined.push(u.userId);
  }
  async userLeft() {}
  async userKnocked() {}
  async adminCommand(caller: CommandCaller, text: string) {
    this.commands.push({ caller, text });
    return { ok: true, text: 'done' };
  }
}

function setup() {
  const core = new FakeCore();
  const replies: Array<[string, string, boolean]> = [];
  const h = new IrcEventHandler({
    frontend: asFrontendId('irc-test'),
    core,
    admins: new AdminMatcher([{ identity: 'irc:test/admin', hostmasks: ['admin!*@good.host'], accounts: ['adminacct'] }]),
    roomOf: (c) => (c === '#kb' ? asFrontendRoomId('#KB') : undefined),
    isOurNick: (n) => ['kbbot', 'alice'].includes(n.toLowerCase()),
    botNick: () => 'kbbot',
    reply: async (nick, text, priv) => void replies.push([nick, text, priv]),
    formatting: 'strip',
  });
  return { core, h, replies };
}

const msg = (o: Record<string, unknown>) => ({ nick: 'dave', ident: 'd', hostname: 'h', target: '#kb', message: 'hi', ...o });

describe('irc events to the bridge core', () => {
  it('turns channel PRIVMSG, ACTION and NOTICE into user messages of the portal room, formatting stripped', async () => {
    const { core, h } = setup();
    await h.handle('bot', 'privmsg', msg({ target: '#Kb', message: '\x02hi\x02' }));
    await h.handle('bot', 'action', msg({ message: 'waves' }));
    await h.handle('bot', 'notice', msg({ message: 'fyi' }));
    assert.deepEqual(core.messages.map((m) => [m.room, m.message.kind, m.message.text]), [['#KB', 'text', 'hi'], ['#KB', 'emote', 'waves'], ['#KB', 'notice', 'fyi']]);
    assert.equal(new Set(core.messages.map((m) => m.eventId)).size, 3, 'distinct event ids');
    assert.equal(core.messages[0]!.sender.userId, 'nick:dave');
  });

  it('ignores our own nicks, server notices, other channels and empty text', async () => {
    const { core, h } = setup();
    await h.handle('bot', 'privmsg', msg({ nick: 'Alice' }));
    await h.handle('bot', 'notice', msg({ nick: 'irc.server.test' }));
    await h.handle('bot', 'privmsg', msg({ target: '#other' }));
    await h.handle('bot', 'privmsg', msg({ message: '\x02\x03' }));
    assert.equal(core.messages.length, 0);
  });

  it('handles a line seen by the bot and a puppet once', async () => {
    const { core, h } = setup();
    await h.handle('bot', 'privmsg', msg({}));
    await h.handle('puppet1', 'privmsg', msg({}));
    assert.equal(core.messages.length, 1);
  });

  it('uses the services account as the user id when the server gives one', async () => {
    const { core, h } = setup();
    await h.handle('bot', 'privmsg', msg({ account: 'DaveAcct' }));
    assert.equal(core.messages[0]!.sender.userId, 'account:daveacct');
  });

  it('runs a private message to the bot as an admin command with the identity its hostmask or account proves', async () => {
    const { core, h, replies } = setup();
    await h.handle('bot', 'privmsg', msg({ nick: 'admin', hostname: 'good.host', target: 'kbbot', message: 'status' }));
    await h.handle('bot', 'privmsg', msg({ nick: 'admin', hostname: 'evil.host', target: 'kbbot', message: 'status' }));
    await h.handle('bot', 'privmsg', msg({ nick: 'x', hostname: 'evil.host', account: 'adminacct', target: 'kbbot', message: 'status' }));
    assert.deepEqual(core.commands.map((c) => c.caller.adminIdentity), ['irc:test/admin', undefined, 'irc:test/admin']);
    assert.deepEqual(replies.map((r) => r[0]), ['admin', 'admin', 'x']);
  });

  it('ignores private messages to puppets and notices to the bot (no command loops between bots)', async () => {
    const { core, h } = setup();
    await h.handle('p', 'privmsg', msg({ target: 'alice', message: 'status' }));
    await h.handle('bot', 'notice', msg({ target: 'kbbot', message: 'status' }));
    assert.equal(core.commands.length, 0);
  });

  it('reports users joining a portal channel', async () => {
    const { core, h } = setup();
    await h.handle('bot', 'join', { nick: 'erin', ident: 'e', hostname: 'h', channel: '#kb' });
    await h.handle('p1', 'join', { nick: 'erin', ident: 'e', hostname: 'h', channel: '#kb' });
    await h.handle('bot', 'join', { nick: 'kbbot', ident: 'e', hostname: 'h', channel: '#kb' });
    assert.deepEqual(core.joined, ['nick:erin']);
  });
});
