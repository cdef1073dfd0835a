import { silentLogger, type BridgeCoreApi, type BridgeLogger, type FrontendFile, type TextKind } from '../bridge/index.js';
import { asFrontendEventId, asFrontendUserId, type FrontendId, type FrontendRoomId, type FrontendUserId } from '../ids/index.js';
import type { AdminMatcher } from './admins.js';
import { stripFormatting, type FormattingMode } from './formatting.js';
import { LineDedup } from './line-dedup.js';
import { fetchLink, loneLink, type FetchLinkOptions } from './link-fetch.js';
import { ircLower } from './nick.js';

/**
 * IRC -> the bridge core (issue 7). Every connection's events come here; lines from our own
 * connections are ignored (puppets see each other and the bot), copies of one line seen by
 * several connections are handled once (line-dedup.ts), and what is left becomes a user message,
 * a join, or (a private message to the bot) an admin command. Command lines are never logged:
 * `induct` carries a voucher.
 */

export interface IrcEventPorts {
  readonly frontend: FrontendId;
  readonly core: BridgeCoreApi;
  readonly admins: AdminMatcher;
  /** The portal channel for an irc-lowered channel name, if it is one. */
  readonly roomOf: (lowerChannel: string) => FrontendRoomId | undefined;
  /** True for the bot's and the puppets' nicks. */
  readonly isOurNick: (nick: string) => boolean;
  readonly botNick: () => string;
  /** Sends the command's answer to `nick` (private notices). */
  readonly reply: (nick: string, text: string, priv: boolean) => Promise<void>;
  readonly formatting: FormattingMode;
  /** Forward lone links as files (config); absent means never. */
  readonly fetchLinks?: FetchLinkOptions;
  readonly log?: BridgeLogger;
  readonly now?: () => number;
}

interface UserEvent {
  nick?: string;
  ident?: string;
  hostname?: string;
  target?: string;
  message?: string;
  channel?: string;
  account?: string | boolean;
  tags?: Record<string, string>;
}

const isChannel = (t: string): boolean => /^[#&!+]/.test(t);

export class IrcEventHandler {
  private readonly dedup: LineDedup;
  private seq = 0;
  /** Distinguishes event ids across restarts: IRC lines carry no ids of their own. */
  private readonly epoch: string;
  private readonly log: BridgeLogger;

  constructor(private readonly p: IrcEventPorts) {
    this.dedup = new LineDedup(p.now ?? Date.now);
    this.epoch = (p.now ?? Date.now)().toString(36);
    this.log = p.log ?? silentLogger;
  }

  /** A connection (re)joined its channels: line counting restarts from what was processed. */
  resync(connection: string): void {
    this.dedup.resync(connection);
  }

  /** One event from one connection. Never throws: a bad event is logged and dropped. */
  handle(connection: string, name: string, ev: UserEvent): Promise<void> {
    return this.dispatch(connection, name, ev).catch((e: unknown) => {
      this.log.log('warn', 'irc.event_failed', { connection, event: name, error: e instanceof Error ? e.name : 'unknown' });
    });
  }

  private async dispatch(connection: string, name: string, ev: UserEvent): Promise<void> {
    const nick = ev.nick;
    if (typeof nick !== 'string' || nick === '' || nick.includes('.')) return; // server notices
    if (this.p.isOurNick(nick)) return;
    if (name === 'privmsg' || name === 'action' || name === 'notice') {
      const target = ev.target ?? '';
      const text = typeof ev.message === 'string' ? ev.message : '';
      if (!isChannel(target)) {
        if (ircLower(target) !== ircLower(this.p.botNick()) || name !== 'privmsg') return;
        if (!this.dedup.firstSight({ connection, target, sender: nick, command: name, text, ...msgid(ev) })) return;
        return this.command(ev as UserEvent & { nick: string }, text);
      }
      const room = this.p.roomOf(ircLower(target));
      if (!room) return;
      if (!this.dedup.firstSight({ connection, target, sender: nick, command: name, text, ...msgid(ev) })) return;
      return this.message(room, ev as UserEvent & { nick: string }, name === 'action' ? 'emote' : name === 'notice' ? 'notice' : 'text', text);
    }
    if (name === 'join' && typeof ev.channel === 'string') {
      const room = this.p.roomOf(ircLower(ev.channel));
      if (!room || !this.dedup.firstSight({ connection, target: ev.channel, sender: nick, command: 'join', text: '' })) return;
      return this.p.core.userJoined(this.p.frontend, room, { userId: this.userId(ev as UserEvent & { nick: string }), displayName: nick });
    }
    if (name === 'part' && typeof ev.channel === 'string') {
      const room = this.p.roomOf(ircLower(ev.channel));
      if (!room || !this.dedup.firstSight({ connection, target: ev.channel, sender: nick, command: 'part', text: '' })) return;
      return this.p.core.userLeft(this.p.frontend, room, this.userId(ev as UserEvent & { nick: string }));
    }
  }

  /** A services account when the server names one (stable across nick changes), else the nick.
   *  Without services a nick is all IRC offers; whoever holds it speaks as that puppet. */
  private userId(ev: UserEvent & { nick: string }): FrontendUserId {
    const acct = typeof ev.account === 'string' && ev.account !== '' && ev.account !== '*' ? ev.account : undefined;
    return asFrontendUserId(acct !== undefined ? `account:${ircLower(acct)}` : `nick:${ircLower(ev.nick)}`);
  }

  private async message(room: FrontendRoomId, ev: UserEvent & { nick: string }, kind: TextKind, raw: string): Promise<void> {
    const text = stripFormatting(raw, this.p.formatting).replace(/[\0-\x08\x0b-\x1f\x7f]/g, '');
    if (text.trim() === '') return;
    const eventId = asFrontendEventId(ev.tags?.['msgid'] ? `msgid:${ev.tags['msgid'].slice(0, 200)}` : `irc:${this.epoch}:${++this.seq}`);
    let file: FrontendFile | undefined;
    const url = this.p.fetchLinks && kind === 'text' ? loneLink(text) : undefined;
    if (url && this.p.fetchLinks) {
      try {
        file = await fetchLink(url, this.p.fetchLinks);
      } catch (e) {
        // The link still goes to the group as text.
        this.log.log('info', 'irc.link_not_fetched', { code: (e as { code?: string }).code ?? 'unknown' });
      }
    }
    await this.p.core.userMessage({
      frontend: this.p.frontend,
      room,
      eventId,
      sender: { userId: this.userId(ev), displayName: ev.nick },
      message: { kind, text },
      ...(file ? { file } : {}),
    });
  }

  private async command(ev: UserEvent & { nick: string }, raw: string): Promise<void> {
    const text = stripFormatting(raw).replace(/[\0-\x1f\x7f]/g, ' ');
    const identity = this.p.admins.identityOf({
      nick: ev.nick,
      ident: ev.ident ?? '',
      hostname: ev.hostname ?? '',
      ...(typeof ev.account === 'string' ? { account: ev.account } : {}),
    });
    const reply = await this.p.core.adminCommand({ frontend: this.p.frontend, userId: this.userId(ev), ...(identity ? { adminIdentity: identity } : {}) }, text);
    await this.p.reply(ev.nick, reply.text, reply.private ?? false);
  }
}

const msgid = (ev: UserEvent): { msgid?: string } => (ev.tags?.['msgid'] ? { msgid: ev.tags['msgid'] } : {});
