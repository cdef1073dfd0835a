import { DeliveryError, type BridgeLogger } from '../bridge/index.js';
import type { GhostId } from '../ids/index.js';
import { IrcConnection, type IrcConnectionOptions } from './connection.js';
import { ircLower, NickAllocator } from './nick.js';

/**
 * Ghosts as IRC users in puppets mode (issue 7): each Katzenpost member gets a connection of its
 * own with a nick from its display name, up to `maxConnections` for the network (the bot counts
 * as one, config irc.networks.*.max_connections); members past the cap are relayed by the bot.
 * A nick the server refuses (a real user has it) is replaced by the allocator's next choice.
 */

export interface PuppetPoolOptions {
  readonly network: string;
  readonly maxConnections: number;
  readonly nickLength: number;
  readonly botNick: string;
  /** Everything but id, nick and the nick-refused hook, shared by all puppet connections. */
  readonly connection: Omit<IrcConnectionOptions, 'id' | 'nick' | 'onNickRefused' | 'gecos'>;
  readonly log?: BridgeLogger;
  /** How long ensure() waits for a new puppet to be registered and in the channel. */
  readonly readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 15_000;

export class PuppetPool {
  readonly nicks: NickAllocator;
  private readonly puppets = new Map<GhostId, IrcConnection>();
  /** Per connection id: the channels (irc-lower) the server confirmed it is in. */
  private readonly inChannel = new Map<string, Set<string>>();
  private readonly waiters = new Set<() => void>();
  private readonly newListeners: Array<(c: IrcConnection) => void> = [];
  private eventSink: ((c: IrcConnection, name: string, ev: Record<string, unknown>) => void) | undefined;

  constructor(private readonly o: PuppetPoolOptions) {
    this.nicks = new NickAllocator(o.nickLength);
    this.nicks.reserve(o.botNick);
  }

  /** Where every puppet connection's IRC events go (the frontend's line handler). */
  onEvent(sink: (c: IrcConnection, name: string, ev: Record<string, unknown>) => void): void {
    this.eventSink = sink;
  }

  /** Called with each new puppet connection before it connects (metrics). */
  onNewConnection(l: (c: IrcConnection) => void): void {
    this.newListeners.push(l);
  }

  /** Puppet connections in use; the bot is one more. */
  get size(): number {
    return this.puppets.size;
  }

  all(): IrcConnection[] {
    return [...this.puppets.values()];
  }

  get(ghost: GhostId): IrcConnection | undefined {
    return this.puppets.get(ghost);
  }

  /** True if `nick` is one of our puppets' current nicks. */
  isPuppetNick(nick: string): boolean {
    const k = ircLower(nick);
    for (const c of this.puppets.values()) if (ircLower(c.nick) === k) return true;
    return false;
  }

  /** The ghost's connection, in `channel`, named after `displayName`; undefined when the cap is
   *  reached (the caller relays). Throws a retriable DeliveryError (from the connection) if the
   *  puppet cannot get into the channel in time. */
  async ensure(ghost: GhostId, displayName: string, channel: string): Promise<IrcConnection | undefined> {
    let c = this.puppets.get(ghost);
    if (!c) {
      if (this.puppets.size + 1 >= this.o.maxConnections) return undefined;
      const nick = this.nicks.allocate(ghost, displayName);
      c = new IrcConnection({
        ...this.o.connection,
        id: `${this.o.network}/puppet/${ghost}`,
        nick,
        // The realname goes out in USER, which irc-framework builds without checks: no control characters.
        gecos: displayName.replace(/[\0-\x1f\x7f]/g, ' ').trim().slice(0, 100) || nick,
        onNickRefused: (refused) => {
          this.nicks.reserve(refused);
          return this.nicks.allocate(ghost, displayName, refused);
        },
      });
      const conn = c;
      this.inChannel.set(c.id, new Set());
      c.onEvent((name, ev) => {
        this.track(conn, name, ev);
        this.eventSink?.(conn, name, ev);
      });
      c.onState((s) => {
        if (s !== 'registered') this.inChannel.get(conn.id)?.clear();
        this.wake();
      });
      this.puppets.set(ghost, c);
      for (const l of this.newListeners) l(c);
      c.start();
    } else {
      const current = this.nicks.nickOf(ghost);
      const wanted = this.nicks.allocate(ghost, displayName);
      if (current !== wanted) c.changeNick(wanted);
    }
    c.join(channel);
    await this.waitIn(c, channel);
    return c;
  }

  /** Resolves once `c` is registered and the server confirmed it joined `channel`. */
  waitIn(c: IrcConnection, channel: string): Promise<void> {
    const k = ircLower(channel);
    const ready = (): boolean => c.state === 'registered' && (this.inChannel.get(c.id)?.has(k) ?? false);
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ms = this.o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
      const check = (): void => {
        if (!ready()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server is unreachable', detail: `${c.id} did not get into the channel within ${ms} ms` }));
      }, ms);
      this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.puppets.values()].map((c) => c.stop()));
  }

  private track(c: IrcConnection, name: string, ev: Record<string, unknown>): void {
    const set = this.inChannel.get(c.id);
    if (!set) return;
    const self = typeof ev['nick'] === 'string' && ircLower(ev['nick']) === ircLower(c.nick);
    if (name === 'join' && self && typeof ev['channel'] === 'string') set.add(ircLower(ev['channel']));
    if (name === 'part' && self && typeof ev['channel'] === 'string') set.delete(ircLower(ev['channel']));
    if (name === 'kick' && typeof ev['kicked'] === 'string' && ircLower(ev['kicked']) === ircLower(c.nick) && typeof ev['channel'] === 'string') {
      set.delete(ircLower(ev['channel']));
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
