import { DeliveryError, silentLogger, type BridgeCoreApi, type BridgeLogger, type FileCapable, type FileToShow, type Frontend, type FrontendMessage, type GhostProfile, type RoomInfo } from '../bridge/index.js';
import type { IrcNetworkConfig } from '../config/index.js';
import type { Registry } from '../observability/index.js';
import { asFrontendEventId, asFrontendId, asFrontendRoomId, type FrontendEventId, type FrontendId, type FrontendRoomId, type GhostId, type GroupId, type TransactionId } from '../ids/index.js';
import type { AdminMatcher } from './admins.js';
import { IrcConnection, type ConnectionState, type IrcEndpoint } from './connection.js';
import type { Clock } from './flood.js';
import type { FormattingMode } from './formatting.js';
import { IrcEventHandler } from './irc-events.js';
import type { FetchLinkOptions } from './link-fetch.js';
import { ircMetrics, trackConnection } from './irc-metrics.js';
import type { MediaLinks } from './media-links.js';
import type { MediaStore } from './media-store.js';
import { ircLower } from './nick.js';
import { PuppetPool } from './puppets.js';
import { renderLines } from './render.js';
import { checkTarget, commandLine } from './wire-line.js';

/**
 * One IRC network as a frontend of the bridge core (issue 7, bridge/frontend.ts): the bot
 * connection (relay lines, notices, admin commands, listening in every portal channel), puppet
 * connections in puppets mode, files as signed links. The room id of a portal is its channel
 * name as linked (admins type it); events are matched to it case-insensitively (rfc1459).
 */

export const DEFAULT_MAX_LINES = 4;
export const DEFAULT_NICK_LENGTH = 30;
const SENT_TXN_MEMORY = 5000;

/** Where the frontend learns which channels are portals (the CLI wires it to the core's store). */
export interface IrcPortalDirectory {
  channels(frontend: FrontendId): Promise<readonly FrontendRoomId[]>;
  /** Links a group to a channel; false if either is already linked (then nothing changes).
   *  Needed only for channel mappings from the config (IrcFrontendOptions.channels). */
  link?(groupId: GroupId, frontend: FrontendId, room: FrontendRoomId): Promise<boolean>;
}

/** A channel <-> group mapping from the config (admins add more with `link`). */
export interface ConfiguredChannel {
  readonly channel: string;
  readonly groupId: GroupId;
}

/** How often files whose links have expired are deleted. */
const MEDIA_PRUNE_INTERVAL_MS = 60 * 60_000;

export interface IrcFrontendOptions {
  /** The network's key in config irc.networks (frontend id `irc-NAME`). */
  readonly network: string;
  readonly config: IrcNetworkConfig;
  readonly core: BridgeCoreApi;
  readonly portals: IrcPortalDirectory;
  /** Channel <-> group mappings from the config, linked at start when not linked yet. */
  readonly channels?: readonly ConfiguredChannel[];
  readonly admins: AdminMatcher;
  readonly media?: { readonly links: MediaLinks; readonly store: MediaStore };
  /** Long-message policy: at most this many lines per message, then a link (or a cut note). */
  readonly maxLines?: number;
  readonly nickLength?: number;
  readonly formatting?: FormattingMode;
  /** Forward a lone link from an IRC user as a file (off unless set; see link-fetch.ts). */
  readonly fetchLinks?: FetchLinkOptions;
  /** Wait for the server's PONG after each message before calling it shown (default true). */
  readonly confirmDelivery?: boolean;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly rejectUnauthorized?: boolean;
  readonly clock?: Clock;
  readonly log?: BridgeLogger;
  /** Where the connection-state series go (observability's registry); none when absent. */
  readonly registry?: Registry;
}

export interface IrcStatus {
  readonly network: string;
  readonly bot: { readonly nick: string; readonly state: ConnectionState; readonly registrations: number };
  readonly puppets: ReadonlyArray<{ readonly nick: string; readonly state: ConnectionState }>;
  readonly channels: readonly string[];
}

export const ircFrontendId = (network: string): FrontendId => asFrontendId(`irc-${network.toLowerCase().replace(/_/g, '-')}`);

export class IrcFrontend implements Frontend, FileCapable {
  readonly id: FrontendId;
  readonly networkLabel: string;
  readonly bot: IrcConnection;
  private readonly pool: PuppetPool | undefined;
  private readonly events: IrcEventHandler;
  private readonly rooms = new Map<string, FrontendRoomId>();
  /** Shown names of ghosts, for relay prefixes. */
  private readonly ghostNames = new Map<GhostId, string>();
  /** txnId -> event id of posts done in this process: a repeat shows nothing new. */
  private readonly sent = new Map<string, FrontendEventId>();
  private readonly log: BridgeLogger;
  private readonly maxLines: number;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: IrcFrontendOptions) {
    this.id = ircFrontendId(o.network);
    this.networkLabel = o.network;
    this.log = o.log ?? silentLogger;
    this.maxLines = o.maxLines ?? DEFAULT_MAX_LINES;
    const c = o.config;
    const password = c.password?.reveal();
    const endpoint: IrcEndpoint = {
      host: c.host,
      port: c.port,
      tls: c.tls,
      ...(c.sasl && c.account !== undefined && password !== undefined ? { sasl: { account: c.account, password } } : password !== undefined ? { password } : {}),
      ...(o.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    };
    const shared = {
      endpoint,
      flood: { burstLines: c.flood.burst_lines, intervalMs: c.flood.interval_ms },
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      log: this.log,
    };
    this.bot = new IrcConnection({ ...shared, id: `${o.network}/bot`, nick: c.nick, gecos: 'katzenbridge bridge bot', onNickRefused: (n) => `${n}_` });
    if (c.puppet_mode === 'puppets') {
      this.pool = new PuppetPool({ network: o.network, maxConnections: c.max_connections, nickLength: o.nickLength ?? DEFAULT_NICK_LENGTH, botNick: c.nick, connection: shared, log: this.log });
    }
    this.events = new IrcEventHandler({
      frontend: this.id,
      core: o.core,
      admins: o.admins,
      roomOf: (lower) => this.rooms.get(lower),
      isOurNick: (n) => ircLower(n) === ircLower(this.bot.nick) || (this.pool?.isPuppetNick(n) ?? false),
      botNick: () => this.bot.nick,
      reply: (nick, text, priv) => this.replyTo(nick, text, priv),
      formatting: o.formatting ?? 'strip',
      ...(o.fetchLinks ? { fetchLinks: o.fetchLinks } : {}),
      log: this.log,
    });
    this.bot.onEvent((name, ev) => void this.events.handle(this.bot.id, name, ev));
    this.bot.onState((s) => {
      if (s === 'registered') this.events.resync(this.bot.id);
    });
    this.pool?.onEvent((conn, name, ev) => void this.events.handle(conn.id, name, ev));
    // A puppet that (re)connects has missed lines: it counts from what was already processed, so
    // while the bot is away the puppets alone still pass new lines on (line-dedup.ts).
    this.pool?.onNewConnection((c) => c.onState((s) => s === 'registered' && this.events.resync(c.id)));
    if (o.registry) {
      const m = ircMetrics(o.registry);
      trackConnection(m, o.network, 'bot', (l) => this.bot.onState(l));
      this.pool?.onNewConnection((c) => trackConnection(m, o.network, 'puppet', (l) => c.onState(l)));
    }
  }

  /** Connects the bot and joins every portal channel of this network. */
  async start(): Promise<void> {
    for (const c of this.o.channels ?? []) {
      const room = asFrontendRoomId(checkTarget(c.channel));
      if (!this.o.portals.link) throw new TypeError('IrcFrontend: channels from the config need portals.link');
      if (!(await this.o.portals.link(c.groupId, this.id, room))) this.log.log('debug', 'irc.config_channel_already_linked', { group: c.groupId });
    }
    for (const ch of await this.o.portals.channels(this.id)) this.addRoom(ch);
    this.bot.start();
    const m = this.o.media;
    if (m) {
      const prune = (): void => void m.store.prune(m.links.ttlMs).catch(() => undefined);
      prune();
      this.pruneTimer = setInterval(prune, MEDIA_PRUNE_INTERVAL_MS);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await Promise.all([this.bot.stop(), this.pool?.stop()]);
  }

  status(): IrcStatus {
    return {
      network: this.o.network,
      bot: { nick: this.bot.nick, state: this.bot.state, registrations: this.bot.registrations },
      puppets: (this.pool?.all() ?? []).map((p) => ({ nick: p.nick, state: p.state })),
      channels: [...this.rooms.values()],
    };
  }

  /** The ghost's puppet nick, if it has a puppet connection. */
  puppetNick(ghost: GhostId): string | undefined {
    return this.pool?.get(ghost)?.nick;
  }

  // ---- Frontend ---------------------------------------------------------------------------

  async ensureGhost(room: FrontendRoomId, ghost: GhostProfile): Promise<void> {
    this.addRoom(room);
    this.ghostNames.set(ghost.ghostId, ghost.displayName);
    await this.pool?.ensure(ghost.ghostId, ghost.displayName, room);
  }

  postMessage(room: FrontendRoomId, ghost: GhostId, message: FrontendMessage, txnId: TransactionId): Promise<FrontendEventId> {
    return this.once(txnId, async () => {
      const puppet = await this.readyPuppet(ghost, room);
      const usePuppet = puppet !== undefined;
      const conn = puppet ?? (await this.readyBot(room));
      const lines = await renderLines(message, {
        target: room,
        senderNick: conn.nick,
        ...(usePuppet ? {} : { relayName: this.ghostNames.get(ghost) ?? 'member' }),
        maxLines: this.maxLines,
        overflowLink: (text) => this.textLink(text),
      });
      await this.sendAll(conn, lines);
    });
  }

  postNotice(room: FrontendRoomId, text: string, txnId: TransactionId): Promise<FrontendEventId> {
    return this.once(txnId, async () => {
      const conn = await this.readyBot(room);
      const lines = await renderLines({ kind: 'notice', text }, { target: room, senderNick: conn.nick, maxLines: this.maxLines, overflowLink: (t) => this.textLink(t) });
      await this.sendAll(conn, lines);
    });
  }

  async setRoomInfo(room: FrontendRoomId, info: RoomInfo): Promise<void> {
    const conn = await this.readyBot(room);
    // Best effort: in a +t channel only operators may set the topic; the server's refusal is harmless.
    const topic = `${info.name} — ${info.topic}`.replace(/[\0-\x1f\x7f]/g, ' ').slice(0, 300);
    await conn.send(commandLine('TOPIC', [room], topic));
  }

  postFile(room: FrontendRoomId, ghost: GhostId, file: FileToShow, txnId: TransactionId): Promise<FrontendEventId> {
    return this.once(txnId, async () => {
      const size = humanSize(file.bytes.length);
      // A name from the group: shown on one line, whatever it contains.
      const name = file.basename.replace(/[\0-\x1f\x7f]/g, '_').slice(0, 200) || 'file';
      let text: string;
      const m = this.o.media;
      if (!m) text = `${name} (${size}): files cannot be shown on this network`;
      else if (file.bytes.length > m.store.maxBytes) text = `${name} (${size}): too large to offer as a link here`;
      else {
        const id = await m.store.put({ name, contentType: file.filetype, bytes: file.bytes });
        text = `${name} (${size}) <${m.links.create(id, name)}>`;
      }
      const puppet = await this.readyPuppet(ghost, room);
      const usePuppet = puppet !== undefined;
      const conn = puppet ?? (await this.readyBot(room));
      const lines = await renderLines({ kind: 'text', text }, { target: room, senderNick: conn.nick, ...(usePuppet ? {} : { relayName: this.ghostNames.get(ghost) ?? 'member' }), maxLines: this.maxLines });
      await this.sendAll(conn, lines);
    });
  }

  // ---- internals --------------------------------------------------------------------------

  private addRoom(room: FrontendRoomId): void {
    this.rooms.set(ircLower(room), room);
    this.bot.join(room);
  }

  /** The bot, registered and in `room`; a retriable failure otherwise (the queue waits). */
  private async readyBot(room: FrontendRoomId): Promise<IrcConnection> {
    this.addRoom(room);
    if (this.bot.state !== 'registered') {
      throw new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server is unreachable', detail: `${this.bot.id}: ${this.bot.state}` });
    }
    return this.bot;
  }

  /** The ghost's puppet, registered and confirmed in `room`; undefined when the ghost is relayed.
   *  A puppet that is reconnecting fails retriably, so the message waits for it instead of being
   *  relayed by the bot in a different form. */
  private async readyPuppet(ghost: GhostId, room: FrontendRoomId): Promise<IrcConnection | undefined> {
    const puppet = this.pool?.get(ghost);
    if (!puppet) return undefined;
    if (puppet.state !== 'registered') {
      throw new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server is unreachable', detail: `${puppet.id}: ${puppet.state}` });
    }
    puppet.join(room);
    await this.pool!.waitIn(puppet, room);
    return puppet;
  }

  private async sendAll(conn: IrcConnection, lines: readonly string[]): Promise<void> {
    for (const l of lines) await conn.send(l);
    if (this.o.confirmDelivery ?? true) await conn.confirm();
  }

  private async once(txnId: TransactionId, post: () => Promise<void>): Promise<FrontendEventId> {
    const known = this.sent.get(txnId);
    if (known) return known;
    await post();
    const id = asFrontendEventId(`out:${txnId}`);
    this.sent.set(txnId, id);
    if (this.sent.size > SENT_TXN_MEMORY) this.sent.delete(this.sent.keys().next().value!);
    return id;
  }

  private async textLink(text: string): Promise<string | undefined> {
    const m = this.o.media;
    if (!m) return undefined;
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > m.store.maxBytes) return undefined;
    const id = await m.store.put({ name: 'message.txt', contentType: 'text/plain', bytes });
    return m.links.create(id, 'message.txt');
  }

  private async replyTo(nick: string, text: string, priv: boolean): Promise<void> {
    if (this.bot.state !== 'registered') return;
    // A private reply (a voucher) goes by PRIVMSG to the caller only and is never logged.
    const lines = await renderLines({ kind: priv ? 'text' : 'notice', text }, { target: nick, senderNick: this.bot.nick, maxLines: 30 });
    for (const l of lines) await this.bot.send(l);
  }
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
