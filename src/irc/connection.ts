import { createRequire } from 'node:module';
import { DeliveryError, silentLogger, type BridgeLogger } from '../bridge/index.js';
import { FloodQueue, SYSTEM_CLOCK, type Clock } from './flood.js';
import { commandLine } from './wire-line.js';
import { ircLower } from './nick.js';

/**
 * One IRC connection (the bridge bot's or a puppet's) on irc-framework, with what the issue asks
 * beyond the library: reconnecting for ever with capped exponential backoff (irc-framework's own
 * gives up after `auto_reconnect_max_retries`, 3 by default, so it is turned off), rejoining its
 * channels, a visible state, flood control on every line, and `confirm()`: a PING whose PONG
 * proves the server has processed every earlier line (servers handle a client's lines in order),
 * so the delivery queue marks a message shown only when it really reached the channel.
 */

export type ConnectionState = 'idle' | 'connecting' | 'registered' | 'reconnecting' | 'stopped';

export interface IrcEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Server password (PASS), when not using SASL. */
  readonly password?: string;
  readonly sasl?: { readonly account: string; readonly password: string };
  /** Verify the server's TLS certificate; only tests against self-signed servers turn it off. */
  readonly rejectUnauthorized?: boolean;
}

export interface IrcConnectionOptions {
  /** For logs and line dedup; never a secret. */
  readonly id: string;
  readonly endpoint: IrcEndpoint;
  readonly nick: string;
  readonly gecos?: string;
  readonly flood: { readonly burstLines: number; readonly intervalMs: number };
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly confirmTimeoutMs?: number;
  readonly clock?: Clock;
  readonly log?: BridgeLogger;
  /** Chooses another nick when the server says ours is in use or invalid. */
  readonly onNickRefused?: (refused: string) => string;
}

/** The events of irc-framework that we use, as loosely typed as the library (it has no types). */
export interface FrameworkClient {
  connect(options: Record<string, unknown>): void;
  on(event: string, listener: (event: never) => void): void;
  raw(line: string): void;
  quit(message?: string): void;
  changeNick(nick: string): void;
  connected: boolean;
  user: { nick: string };
  network: { options: Record<string, unknown>; cap: { isEnabled(cap: string): boolean } };
  requestCap(cap: string | string[]): void;
}

const FrameworkClientCtor = (createRequire(import.meta.url)('irc-framework') as { Client: new () => FrameworkClient }).Client;

export const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 60_000 };
const DEFAULT_CONFIRM_TIMEOUT_MS = 30_000;
const KICK_REJOIN_MS = 5_000;

type Listener = (name: string, event: Record<string, unknown>) => void;

const FORWARDED = ['privmsg', 'notice', 'action', 'join', 'part', 'quit', 'kick', 'nick', 'userlist', 'account'];

export class IrcConnection {
  private client: FrameworkClient | undefined;
  private _state: ConnectionState = 'idle';
  private attempts = 0;
  private reconnectTimer: unknown;
  private readonly channels = new Set<string>();
  private readonly flood: FloodQueue;
  private readonly listeners: Listener[] = [];
  private readonly stateListeners: Array<(s: ConnectionState) => void> = [];
  private readonly pongs = new Map<string, { ok(): void; fail(e: Error): void }>();
  private pingSeq = 0;
  private wantedNick: string;
  private readonly log: BridgeLogger;
  private readonly clock: Clock;
  /** Times registered, for tests and status ("reconnected N times"). */
  registrations = 0;

  constructor(private readonly o: IrcConnectionOptions) {
    this.clock = o.clock ?? SYSTEM_CLOCK;
    this.log = o.log ?? silentLogger;
    this.wantedNick = o.nick;
    this.flood = new FloodQueue({ ...o.flood, clock: this.clock, send: (line) => this.write(line) });
  }

  get id(): string {
    return this.o.id;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Our nick as the server knows it (after any change), or the wanted one before registering. */
  get nick(): string {
    return this.client?.user.nick ?? this.wantedNick;
  }

  /** Lines queued by flood control. */
  get queuedLines(): number {
    return this.flood.waiting;
  }

  onEvent(l: Listener): void {
    this.listeners.push(l);
  }

  onState(l: (s: ConnectionState) => void): void {
    this.stateListeners.push(l);
  }

  start(): void {
    if (this._state !== 'idle') return;
    this.connect();
  }

  /** Quits and stops reconnecting; waiting lines fail (retriable) so nothing is marked sent. */
  async stop(message = 'katzenbridge stopping'): Promise<void> {
    if (this._state === 'stopped') return;
    this.setState('stopped');
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.flood.close();
    const c = this.client;
    if (c?.connected) {
      const closed = new Promise<void>((r) => c.on('socket close', () => r()));
      c.quit(message);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    }
  }

  /** Joins now if registered, and again after every reconnect. */
  join(channel: string): void {
    const k = ircLower(channel);
    if (this.channels.has(k)) return;
    this.channels.add(k);
    if (this._state === 'registered') void this.send(commandLine('JOIN', [channel])).catch(() => undefined);
  }

  part(channel: string): void {
    if (!this.channels.delete(ircLower(channel))) return;
    if (this._state === 'registered') void this.send(commandLine('PART', [channel])).catch(() => undefined);
  }

  isIn(channel: string): boolean {
    return this.channels.has(ircLower(channel));
  }

  changeNick(nick: string): void {
    this.wantedNick = nick;
    if (this._state === 'registered') void this.send(commandLine('NICK', [nick])).catch(() => undefined);
  }

  /** Sends one raw line through flood control. Rejects with a retriable DeliveryError when not
   *  connected (the delivery queue keeps the message and tries again after the reconnect). */
  send(line: string): Promise<void> {
    if (this._state !== 'registered') return Promise.reject(notConnected(this.o.id));
    return this.flood.send(line).catch((e: unknown) => {
      throw new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server is unreachable', cause: e, detail: `${this.o.id}: line not sent` });
    });
  }

  /** Resolves once the server has processed every line sent before (PING/PONG round trip). */
  confirm(): Promise<void> {
    const token = `kb${++this.pingSeq}`;
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pongs.delete(token);
        reject(new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server did not answer', detail: `${this.o.id}: no PONG` }));
      }, this.o.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
      this.pongs.set(token, {
        ok: () => {
          this.clock.clearTimeout(timer);
          resolve();
        },
        fail: (e) => {
          this.clock.clearTimeout(timer);
          reject(e);
        },
      });
      this.send(commandLine('PING', [token])).catch((e: unknown) => {
        this.clock.clearTimeout(timer);
        this.pongs.delete(token);
        reject(e);
      });
    });
  }

  private write(line: string): void {
    const c = this.client;
    if (!c?.connected) throw notConnected(this.o.id);
    c.raw(line);
  }

  private setState(s: ConnectionState): void {
    if (this._state === s) return;
    this._state = s;
    this.log.log(s === 'reconnecting' ? 'warn' : 'info', 'irc.connection_state', { connection: this.o.id, state: s });
    for (const l of this.stateListeners) l(s);
  }

  private connect(): void {
    this.setState(this.registrations === 0 ? 'connecting' : 'reconnecting');
    const c = new FrameworkClientCtor();
    this.client = c;
    const e = this.o.endpoint;
    c.on('registered', () => {
      if (this.client !== c) return;
      this.attempts = 0;
      this.registrations++;
      this.setState('registered');
      for (const ch of this.channels) void this.send(commandLine('JOIN', [ch])).catch(() => undefined);
    });
    // irc-framework leaves Nagle's algorithm on: a short line written while the previous one is
    // unacknowledged waits for the peer's delayed ACK (~40 ms on Linux), which made every
    // PING-confirmed message ~40 ms slower. Its transport's socket is not public API, hence the
    // careful reach.
    c.on('socket connected', () => {
      const socket = (c as unknown as { connection?: { transport?: { socket?: { setNoDelay?: (on: boolean) => void } } } }).connection?.transport?.socket;
      socket?.setNoDelay?.(true);
    });
    c.on('pong', (ev: { message?: string }) => {
      const done = ev.message !== undefined ? this.pongs.get(ev.message) : undefined;
      if (done) {
        this.pongs.delete(ev.message!);
        done.ok();
      }
    });
    const refused = (ev: { nick?: string }): void => {
      if (this.client !== c || this._state === 'registered') return;
      const next = this.o.onNickRefused?.(ev.nick ?? this.wantedNick) ?? `${this.wantedNick}_`;
      this.wantedNick = next;
      c.changeNick(next);
    };
    c.on('nick in use', refused);
    c.on('nick invalid', refused);
    for (const name of FORWARDED) {
      c.on(name, (ev: Record<string, unknown>) => {
        if (this.client !== c) return;
        for (const l of this.listeners) l(name, ev);
      });
    }
    // Kicked: come back after a pause, as long as the channel is still wanted (an operator who
    // does not want the bridge bans it, and the JOIN then fails harmlessly).
    c.on('kick', (ev: { kicked?: string; channel?: string }) => {
      if (this.client !== c || ev.kicked === undefined || ev.channel === undefined) return;
      if (ircLower(ev.kicked) !== ircLower(c.user.nick) || !this.channels.has(ircLower(ev.channel))) return;
      const channel = ev.channel;
      this.clock.setTimeout(() => {
        if (this.client === c && this._state === 'registered' && this.channels.has(ircLower(channel))) void this.send(commandLine('JOIN', [channel])).catch(() => undefined);
      }, KICK_REJOIN_MS);
    });
    c.on('socket close', () => {
      if (this.client !== c) return;
      this.flood.close();
      // A PONG can no longer come: those lines may not have reached the server.
      for (const [t, p] of this.pongs) {
        this.pongs.delete(t);
        p.fail(notConnected(this.o.id));
      }
      if (this._state === 'stopped') return;
      this.scheduleReconnect();
    });
    c.connect({
      host: e.host,
      port: e.port,
      tls: e.tls,
      ...(e.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      nick: this.wantedNick,
      username: 'kb',
      gecos: this.o.gecos ?? 'katzenbridge',
      ...(e.sasl ? { account: { account: e.sasl.account, password: e.sasl.password } } : e.password !== undefined ? { password: e.password } : {}),
      auto_reconnect: false,
      // We send our own PINGs only to confirm delivery; the library's keep-alive stays on.
      ping_interval: 30,
      ping_timeout: 90,
      version: 'katzenbridge',
    });
  }

  private scheduleReconnect(): void {
    const b = this.o.backoff ?? DEFAULT_BACKOFF;
    const exp = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(this.attempts, 20));
    // Jitter spreads the puppets' reconnects so they do not all hit the server at once.
    const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
    this.attempts++;
    this.setState('reconnecting');
    this.log.log('info', 'irc.reconnect_scheduled', { connection: this.o.id, attempt: this.attempts, delayMs: delay });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this._state !== 'stopped') this.connect();
    }, delay);
  }
}

function notConnected(id: string): DeliveryError {
  return new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the IRC server is unreachable', detail: `${id}: not connected` });
}
