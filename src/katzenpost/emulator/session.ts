// Sessions (thin-client §1.6): each connection gets an AppID; a client instance token binds the
// AppID so a reconnect resumes it within the grace period. Pigeonhole completions that finish
// while the client is away are dropped, as the real daemon drops them; only legacy events are
// queued (up to the queue limit) and flushed on resume.
import { randomBytes } from 'node:crypto';

/** Where a session's frames go while a connection is attached. */
export interface FrameSink {
  sendFrame(frame: Uint8Array): void;
}

/** An in-flight start_resending_* call, keyed by envelope hash or write-cap hash (§2.5, §2.6). */
export interface InFlight {
  readonly queryId: Uint8Array;
  readonly abort: AbortController;
  /** Sends the original call's "cancelled" reply (24); called once, before the cancel reply. */
  readonly replyCancelled: () => void;
}

export class Session {
  readonly appId = new Uint8Array(randomBytes(16));
  token: string | undefined;
  private sink: FrameSink | undefined;
  private readonly queued: Uint8Array[] = [];
  private graceTimer: NodeJS.Timeout | undefined;
  private destroyed = false;
  readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly queueLimit: number) {}

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get isAttached(): boolean {
    return this.sink !== undefined;
  }

  attach(sink: FrameSink): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.sink = sink;
    for (const f of this.queued.splice(0)) sink.sendFrame(f);
  }

  detach(sink: FrameSink): void {
    if (this.sink === sink) this.sink = undefined;
  }

  /** A reply for this session; dropped (or queued, for legacy events) while nobody is attached. */
  send(frame: Uint8Array, queueWhileAway = false): void {
    if (this.destroyed) return;
    if (this.sink) return this.sink.sendFrame(frame);
    if (queueWhileAway && this.queued.length < this.queueLimit) this.queued.push(frame);
  }

  startGrace(ms: number, onExpiry: () => void): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(onExpiry, ms);
    this.graceTimer.unref?.();
  }

  /** Ends every in-flight operation silently (thin_close, grace expiry, shutdown). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const op of this.inFlight.values()) op.abort.abort();
    this.inFlight.clear();
    this.queued.length = 0;
    this.sink = undefined;
  }
}

/** token → session, across connections (§1.6). */
export class SessionRegistry {
  private readonly byToken = new Map<string, Session>();

  constructor(
    private readonly graceMs: number,
    private readonly queueLimit: number,
  ) {}

  create(): Session {
    return new Session(this.queueLimit);
  }

  /** Binds `fresh` to the token, or returns the live session the token already names. */
  claim(token: Uint8Array, fresh: Session): { session: Session; resumed: boolean } {
    const key = Buffer.from(token).toString('hex');
    const old = this.byToken.get(key);
    if (old && !old.isDestroyed && old !== fresh) return { session: old, resumed: true };
    fresh.token = key;
    this.byToken.set(key, fresh);
    return { session: fresh, resumed: false };
  }

  /** The connection went away without thin_close: keep a token's state for the grace period. */
  dropped(session: Session): void {
    // A newer connection may already have resumed the session before this one's close arrived.
    if (session.isAttached) return;
    if (session.token === undefined) return this.forget(session);
    session.startGrace(this.graceMs, () => this.forget(session));
  }

  forget(session: Session): void {
    if (session.token !== undefined && this.byToken.get(session.token) === session) this.byToken.delete(session.token);
    session.destroy();
  }

  closeAll(): void {
    for (const s of this.byToken.values()) s.destroy();
    this.byToken.clear();
  }
}
