// The thin client's connection lifecycle (thin-client spec §1.4–§1.6): dial, the daemon-first
// handshake (status event, PKI event, session token), reconnect with backoff, session resume,
// replay after a daemon restart, thin_close. Calls live in PigeonholeApi; reply matching, the
// mixnet request limit and the watchdog live in Dispatcher.
import { randomBytes } from 'node:crypto';
import {
  type ConnectionStatusEvent, DAEMON_QUEUE_LIMIT, DEFAULT_MAX_PLAINTEXT_PAYLOAD_BYTES, type DecodedResponse,
  INSTANCE_TOKEN_BYTES, type PkiDocument, ProtocolError, type QueryRequestKey, RECONNECT_INITIAL_MS, RECONNECT_MAX_MS,
  type RequestMap, decodePkiDocument, encodeRequest,
} from '../protocol/index.js';
import { type DaemonAddress, describeAddress, dial, parseDaemonAddress } from './address.js';
import { Connection } from './connection.js';
import { Dispatcher, type ReplyOf } from './dispatcher.js';
import { ThinClientError } from './errors.js';
import { PigeonholeApi } from './pigeonhole-api.js';
import type { ConnectionState, DaemonStatus, SessionInfo } from './types.js';

/** The daemon waits up to 30 s for a PKI document before sending event #2 (§1.4). */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 45_000;
const DEFAULT_WATCHDOG_MS = 30_000;

export interface ThinClientOptions {
  /** "unix:/path", "/path", "@abstract", "host:port" or a parsed address. */
  readonly address: string | DaemonAddress;
  /** Mixnet requests written and unanswered per connection (default and maximum 16, §1.7). */
  readonly maxUnsentMixnet?: number;
  /** After a resumed session: wait this long for in-flight replies before re-issuing them. */
  readonly watchdogMs?: number;
  readonly handshakeTimeoutMs?: number;
  /** Backoff after a lost connection: starts here, doubles, capped at reconnectMaxMs (§1.6). */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  /** 16 non-zero bytes; random by default. Reusing one lets a new client object resume. */
  readonly instanceToken?: Uint8Array;
}

type Phase = 'status' | 'pki' | 'session' | 'ready';

export class ThinClient extends PigeonholeApi {
  /** The client instance token sent in session_token (§1.6). Secret-ish: never log it. */
  readonly instanceToken: Uint8Array;
  private readonly address: DaemonAddress;
  private readonly dispatcher: Dispatcher;
  private readonly handshakeTimeoutMs: number;
  private readonly reconnectInitialMs: number;
  private readonly reconnectMaxMs: number;
  private stateValue: ConnectionState = 'idle';
  private conn: Connection | undefined;
  private phase: Phase = 'status';
  private daemonToken: Uint8Array | undefined;
  private statusValue: DaemonStatus | undefined;
  private pki: PkiDocument | null = null;
  private graceful = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private handshakeDone: ((err?: Error, info?: SessionInfo) => void) | undefined;
  private closedWaiters: (() => void)[] = [];

  constructor(options: ThinClientOptions) {
    super();
    this.address = typeof options.address === 'string' ? parseDaemonAddress(options.address) : options.address;
    this.dispatcher = new Dispatcher({
      maxUnsentMixnet: options.maxUnsentMixnet ?? DAEMON_QUEUE_LIMIT,
      watchdogMs: positive('watchdogMs', options.watchdogMs ?? DEFAULT_WATCHDOG_MS),
    });
    this.handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.reconnectInitialMs = positive('reconnectInitialMs', options.reconnectInitialMs ?? RECONNECT_INITIAL_MS);
    this.reconnectMaxMs = positive('reconnectMaxMs', options.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.instanceToken = options.instanceToken ? checkToken(options.instanceToken) : newToken();
    // An 'error' event without a listener would crash the process; this emitter never emits it.
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The latest connection_status_event (geometries, gateway link). */
  get status(): DaemonStatus | undefined {
    return this.statusValue;
  }

  get pkiDocument(): PkiDocument | null {
    return this.pki;
  }

  get maxPlaintextPayloadLength(): number {
    return this.statusValue?.pigeonholeGeometry.MaxPlaintextPayloadLength ?? DEFAULT_MAX_PLAINTEXT_PAYLOAD_BYTES;
  }

  /** Counters for tests, metrics and benchmarks. */
  get stats(): { inFlightMixnet: number; queued: number; pending: number } {
    return { inFlightMixnet: this.dispatcher.inFlightMixnet, queued: this.dispatcher.queued, pending: this.dispatcher.pending };
  }

  /** First connection and handshake. Later losses reconnect on their own. */
  async connect(): Promise<SessionInfo> {
    if (this.stateValue !== 'idle') throw new ThinClientError('not_connected', `connect() called in state ${this.stateValue}`);
    this.setState('connecting');
    try {
      return await this.open();
    } catch (e) {
      if ((this.stateValue as ConnectionState) !== 'closed') this.setState('idle');
      throw new ThinClientError('connect_failed', `could not connect to kpclientd at ${describeAddress(this.address)}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Intentional close (§1.6): sends thin_close so the daemon drops the session at once. */
  close(): Promise<void> {
    return this.shutdown(true);
  }

  /** Closes the socket without thin_close: the daemon keeps the session for its grace period,
   *  and a client with the same instanceToken can resume it. */
  disconnect(): Promise<void> {
    return this.shutdown(false);
  }

  protected override call<K extends QueryRequestKey>(key: K, body: Omit<RequestMap[K], 'query_id'>, signal?: AbortSignal): Promise<ReplyOf<K>> {
    if (this.stateValue === 'closed') return Promise.reject(new ThinClientError('closed', 'the thin client is closed'));
    if (this.stateValue === 'idle') return Promise.reject(new ThinClientError('not_connected', 'call connect() first'));
    return this.dispatcher.call(key, body, signal);
  }

  private async open(): Promise<SessionInfo> {
    const socket = await dial(this.address);
    if (this.stateValue === 'closed') {
      socket.destroy();
      throw new ThinClientError('closed', 'closed while connecting');
    }
    this.phase = 'status';
    this.graceful = false;
    const conn = new Connection(socket, {
      onMessage: (m) => this.onMessage(conn, m),
      onClose: (err) => this.onClose(conn, err),
    });
    this.conn = conn;
    return new Promise<SessionInfo>((resolve, reject) => {
      this.handshakeDone = (err, info) => {
        clearTimeout(this.handshakeTimer);
        this.handshakeDone = undefined;
        if (err) reject(err);
        else resolve(info!);
      };
      this.handshakeTimer = setTimeout(() => {
        conn.destroy(new ThinClientError('handshake_timeout', `no complete handshake within ${this.handshakeTimeoutMs} ms`));
      }, this.handshakeTimeoutMs);
    });
  }

  private onMessage(conn: Connection, m: DecodedResponse): void {
    if (conn !== this.conn || this.stateValue === 'closed') return;
    if (this.phase === 'status' || this.phase === 'pki') {
      const expected = this.phase === 'status' ? 'connection_status_event' : 'new_pki_document_event';
      if (m.key !== expected) {
        conn.destroy(new ThinClientError('handshake_failed', `expected ${expected} as handshake frame, got ${m.key}`));
        return;
      }
    }
    switch (m.key) {
      case 'connection_status_event':
        this.onStatus(m.body);
        if (this.phase === 'status') this.phase = 'pki';
        return;
      case 'new_pki_document_event':
        this.onPki(m.body.payload);
        if (this.phase === 'pki') {
          this.phase = 'session';
          conn.write(encodeRequest('session_token', { client_instance_token: this.instanceToken }));
        }
        return;
      case 'session_token_reply': {
        if (this.phase !== 'session') return;
        this.phase = 'ready';
        this.onSession(conn, m.body.app_id, m.body.resumed);
        return;
      }
      case 'shutdown_event':
        this.graceful = true;
        return;
      case 'message_sent_event': case 'message_reply_event': case 'message_id_garbage_collected': case 'unknown':
        return; // legacy API (§2.9) and future keys: not used by this client
      default:
        if (!this.dispatcher.onReply(m.key, m.body)) this.emit('unmatchedReply', m.key);
    }
  }

  private onStatus(ev: ConnectionStatusEvent): void {
    if (this.phase === 'status') this.handshakeToken = ev.instance_token;
    this.statusValue = { isConnected: ev.is_connected, sphinxGeometry: ev.sphinx_geometry, pigeonholeGeometry: ev.pigeonhole_geometry };
    this.emit('status', this.statusValue);
  }

  private handshakeToken: Uint8Array | undefined;

  private onPki(payload: Uint8Array | null): void {
    if (payload === null || payload.length === 0) {
      this.emit('pkiDocument', this.pki);
      return;
    }
    try {
      this.pki = decodePkiDocument(payload);
    } catch (e) {
      // A bad nested document does not make the stream untrustworthy; report and keep the old one.
      if (e instanceof ProtocolError) this.emit('protocolError', e);
      return;
    }
    this.emit('pkiDocument', this.pki);
  }

  private onSession(conn: Connection, appId: Uint8Array, resumed: boolean): void {
    const token = this.handshakeToken!;
    // §1.6: a new daemon instance (or a session that expired) lost our in-flight requests.
    const replay = this.daemonToken !== undefined && (!equal(token, this.daemonToken) || !resumed);
    this.daemonToken = token;
    this.attempt = 0;
    this.dispatcher.attachWire({ write: (f) => conn.write(f) }, replay);
    const info: SessionInfo = { appId, resumed, replayed: replay };
    this.setState('connected');
    this.emit('session', info);
    this.handshakeDone?.(undefined, info);
  }

  private onClose(conn: Connection, err: Error | undefined): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.dispatcher.detachWire();
    if (err instanceof ProtocolError) this.emit('protocolError', err);
    if (this.stateValue !== 'closed') this.emit('daemonDisconnected', { isGraceful: this.graceful, error: err });
    if (this.handshakeDone) {
      const done = this.handshakeDone;
      if (this.stateValue === 'connecting') {
        done(err ?? new ThinClientError('handshake_failed', 'the daemon closed the connection during the handshake'));
        return;
      }
      done(err);
    }
    if (this.stateValue === 'closed') {
      for (const w of this.closedWaiters.splice(0)) w();
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState('reconnecting');
    const delay = Math.min(this.reconnectInitialMs * 2 ** this.attempt, this.reconnectMaxMs);
    this.attempt = Math.min(this.attempt + 1, 30);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stateValue !== 'reconnecting') return;
      this.open().catch(() => {
        // A failed dial never produced a Connection, so onClose did not reschedule.
        if (this.stateValue === 'reconnecting' && !this.conn && !this.reconnectTimer) this.scheduleReconnect();
      });
    }, delay);
  }

  private async shutdown(sendClose: boolean): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed');
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.handshakeTimer);
    this.dispatcher.failAll(new ThinClientError('closed', 'the thin client was closed'));
    const conn = this.conn;
    if (!conn) return;
    const closed = new Promise<void>((r) => this.closedWaiters.push(r));
    if (sendClose && this.phase === 'ready') conn.write(encodeRequest('thin_close', {}));
    conn.end();
    const force = setTimeout(() => conn.destroy(), 1000);
    await closed;
    clearTimeout(force);
  }

  private setState(s: ConnectionState): void {
    // 'closed' is final: a handshake finishing during close() must not revive the client.
    if (this.stateValue === s || this.stateValue === 'closed') return;
    this.stateValue = s;
    this.emit('state', s);
  }
}

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number`);
  return v;
}

function newToken(): Uint8Array {
  for (;;) {
    const t = new Uint8Array(randomBytes(INSTANCE_TOKEN_BYTES));
    if (t.some((b) => b !== 0)) return t;
  }
}

function checkToken(t: Uint8Array): Uint8Array {
  if (!(t instanceof Uint8Array)) throw new TypeError('instanceToken must be a Uint8Array');
  if (t.length !== INSTANCE_TOKEN_BYTES) throw new RangeError(`instanceToken must be ${INSTANCE_TOKEN_BYTES} bytes, got ${t.length}`);
  if (t.every((b) => b === 0)) throw new RangeError('instanceToken must not be all zero');
  return t;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
