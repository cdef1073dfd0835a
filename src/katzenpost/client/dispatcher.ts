// Matching replies to requests by query_id (thin-client §1.7), the per-connection limit of
// unsent mixnet requests (§1.7: a 17th blocks the daemon's reader), and what happens to
// in-flight requests across a reconnect (§1.6): local requests are re-sent, mixnet requests are
// replayed byte for byte when the daemon lost them, and otherwise watched by a watchdog because
// a completion that arrives while we are away is dropped, not queued.
//
// The daemon never says when it has taken a request off its queue (it only answers when the
// operation ends), so "unsent" is approximated from above: a mixnet request counts until its
// reply arrives. Long-polling reads therefore hold their slot; callers that mix long-polls with
// writes must budget them (groupchat's RequestBudget does).
import { randomBytes } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  DAEMON_QUEUE_LIMIT, DaemonError, MIXNET_REQUEST_KEYS, QUERY_ID_BYTES, type QueryRequestKey, REPLY_KEY_OF, type RequestMap,
  type ResponseKey, type ResponseMap, ThinErrorCode, encodeRequest,
} from '../protocol/index.js';
import { ThinClientError } from './errors.js';

export type ReplyOf<K extends QueryRequestKey> = ResponseMap[(typeof REPLY_KEY_OF)[K]];

/** How a mixnet request is cancelled in the daemon (§2.5, §2.6). */
type CancelRoute =
  | { readonly key: 'cancel_resending_encrypted_message'; readonly envelope_hash: Uint8Array }
  | { readonly key: 'cancel_resending_copy_command'; readonly write_cap_hash: Uint8Array };

type State =
  /** Not written yet: disconnected, or no free slot. */
  | 'waiting'
  | 'sent'
  /** The caller is gone (aborted); only the daemon's acknowledgement is awaited. */
  | 'cancelling'
  /** The watchdog cancelled it and will send the same frame again. */
  | 'reissuing';

interface Entry {
  readonly id: string;
  readonly replyKey: ResponseKey;
  /** The exact bytes, sent again on replay (§1.6: same query_id, byte for byte). */
  readonly frame: Uint8Array;
  readonly mixnet: boolean;
  readonly cancel: CancelRoute | undefined;
  /** Hex of the cancel key (envelope hash or write-cap hash) of a mixnet request. */
  readonly cancelId: string | undefined;
  /** A cancel the dispatcher sent on its own behalf (abort, watchdog). */
  readonly internal: boolean;
  state: State;
  /** The caller has been answered (resolved, rejected or aborted). */
  settled: boolean;
  /** A cancel must still be sent for it once connected. */
  cancelPending: boolean;
  watchdog: NodeJS.Timeout | undefined;
  resolve(body: unknown): void;
  reject(err: Error): void;
  detach(): void;
}

export interface Wire {
  write(frame: Uint8Array): void;
}

export interface DispatcherOptions {
  /** At most this many mixnet requests written and not yet answered (≤ DAEMON_QUEUE_LIMIT). */
  readonly maxUnsentMixnet: number;
  /** After a resumed session, how long to wait for an in-flight mixnet reply before cancelling
   *  and re-sending it (§1.6, §3.6). */
  readonly watchdogMs: number;
}

// Query ids come from a pooled random buffer: one randomBytes call per 256 requests instead of
// one each (a synchronous call of a few µs on every request).
let qidPool = new Uint8Array(0);
let qidAt = 0;
function nextQueryId(): Uint8Array {
  if (qidAt + QUERY_ID_BYTES > qidPool.length) {
    qidPool = new Uint8Array(randomBytes(QUERY_ID_BYTES * 256));
    qidAt = 0;
  }
  const id = qidPool.slice(qidAt, qidAt + QUERY_ID_BYTES);
  qidAt += QUERY_ID_BYTES;
  return id;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export class Dispatcher {
  private readonly entries = new Map<string, Entry>();
  /** cancelId → the requests with that envelope, oldest first. Only the first may be on the
   *  wire; a later one waits until an aborted predecessor is confirmed gone (§3.7). */
  private readonly active = new Map<string, Entry[]>();
  private readonly waiting: Entry[] = [];
  private wire: Wire | undefined;
  private mixnetInFlight = 0;

  constructor(private readonly options: DispatcherOptions) {
    if (!Number.isInteger(options.maxUnsentMixnet) || options.maxUnsentMixnet < 1 || options.maxUnsentMixnet > DAEMON_QUEUE_LIMIT) {
      throw new RangeError(`maxUnsentMixnet must be an integer in [1, ${DAEMON_QUEUE_LIMIT}]`);
    }
  }

  /** Mixnet requests currently written and unanswered on this connection. */
  get inFlightMixnet(): number {
    return this.mixnetInFlight;
  }

  /** Requests not yet written (disconnected or waiting for a slot). */
  get queued(): number {
    return this.waiting.length;
  }

  get pending(): number {
    return this.entries.size;
  }

  /** Sends a request with a fresh query id; resolves with the reply body when error_code is 0,
   *  rejects with DaemonError otherwise. */
  call<K extends QueryRequestKey>(
    key: K, body: Omit<RequestMap[K], 'query_id'>, signal?: AbortSignal,
  ): Promise<ReplyOf<K>> {
    return this.enqueue(key, body, signal, false);
  }

  private enqueue<K extends QueryRequestKey>(
    key: K, body: Omit<RequestMap[K], 'query_id'>, signal: AbortSignal | undefined, internal: boolean,
  ): Promise<ReplyOf<K>> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const qid = nextQueryId();
    const full = { ...body, query_id: qid } as unknown as RequestMap[K];
    const frame = encodeRequest(key, full);
    const cancel = cancelRoute(key, full);
    const cancelId = cancel ? hex('envelope_hash' in cancel ? cancel.envelope_hash : cancel.write_cap_hash) : undefined;
    const same = cancelId === undefined ? undefined : this.active.get(cancelId);
    if (same?.some((x) => x.state !== 'cancelling')) {
      return Promise.reject(new ThinClientError('duplicate_in_flight', `${key}: the same envelope is already being resent`));
    }
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      const onAbort = (): void => this.abort(entry, signal!);
      const entry: Entry = {
        id: hex(qid), replyKey: REPLY_KEY_OF[key], frame, mixnet: MIXNET_REQUEST_KEYS.has(key), cancel, cancelId, internal,
        state: 'waiting', settled: false, cancelPending: false, watchdog: undefined,
        resolve: (b) => resolve(b as ReplyOf<K>), reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.set(entry.id, entry);
      if (cancelId !== undefined) this.active.set(cancelId, [...(same ?? []), entry]);
      this.waiting.push(entry);
      this.pump();
    });
  }

  /** Handles a reply frame. Returns false when nothing waited for this query id. */
  onReply(key: ResponseKey, body: { query_id: Uint8Array; error_code: number }): boolean {
    const entry = this.entries.get(hex(body.query_id));
    if (!entry) return false;
    if (entry.state === 'reissuing' && body.error_code === ThinErrorCode.StartResendingCancelled) return true;
    this.remove(entry);
    if (entry.settled) return true;
    entry.settled = true;
    entry.detach();
    if (key !== entry.replyKey) {
      entry.reject(new ThinClientError('reply_mismatch', `expected ${entry.replyKey}, daemon answered ${key}`));
    } else if (body.error_code !== 0) {
      const copy = body as { replica_error_code?: number; failed_envelope_index?: number };
      entry.reject(new DaemonError(key, body.error_code, copy.replica_error_code ?? 0, copy.failed_envelope_index ?? 0));
    } else {
      entry.resolve(body);
    }
    return true;
  }

  /** The connection is gone: nothing can be written until attach(). */
  detachWire(): void {
    this.wire = undefined;
    for (const e of this.entries.values()) {
      clearTimeout(e.watchdog);
      e.watchdog = undefined;
      // Local replies are answered inline and never queued by the daemon: ask again.
      if (!e.mixnet && e.state === 'sent') this.requeue(e);
    }
  }

  /**
   * A new connection finished its handshake. `replay` is true when the daemon lost our session
   * (new instance token, or a fresh session after the grace period): in-flight mixnet requests
   * are replayed with their original bytes. Otherwise they are still running in the daemon and
   * only watched.
   */
  attachWire(wire: Wire, replay: boolean): void {
    this.wire = wire;
    const inFlight = [...this.entries.values()].filter((e) => e.mixnet && e.state !== 'waiting');
    if (replay) {
      // Our own cancels aimed at the lost daemon's requests must not hit the replayed ones.
      for (const e of [...this.entries.values()]) {
        if (e.internal) this.settleInternal(e);
      }
      this.mixnetInFlight = 0;
      for (const e of inFlight.reverse()) {
        if (e.state === 'cancelling') this.remove(e);
        else this.requeue(e, true);
      }
    } else {
      for (const e of inFlight) {
        if (e.cancelPending) this.sendCancel(e);
        else if (e.state === 'sent') e.watchdog = setTimeout(() => this.reissue(e), this.options.watchdogMs).unref();
      }
    }
    this.pump();
  }

  /** Rejects everything (client closed). */
  failAll(err: Error): void {
    for (const e of [...this.entries.values()]) {
      this.remove(e);
      if (!e.settled) {
        e.settled = true;
        e.detach();
        e.reject(err);
      }
    }
    this.waiting.length = 0;
    this.active.clear();
    this.mixnetInFlight = 0;
  }

  private pump(): void {
    if (!this.wire) return;
    for (let i = 0; i < this.waiting.length;) {
      const e = this.waiting[i]!;
      const blocked = e.cancelId !== undefined && this.active.get(e.cancelId)?.[0] !== e;
      if (blocked || (e.mixnet && this.mixnetInFlight >= this.options.maxUnsentMixnet)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      e.state = 'sent';
      if (e.mixnet) this.mixnetInFlight++;
      this.wire.write(e.frame);
    }
  }

  private requeue(e: Entry, front = false): void {
    if (e.state !== 'waiting' && e.mixnet) this.mixnetInFlight = Math.max(0, this.mixnetInFlight - 1);
    e.state = 'waiting';
    if (front) this.waiting.unshift(e);
    else this.waiting.push(e);
  }

  private remove(e: Entry): void {
    clearTimeout(e.watchdog);
    e.watchdog = undefined;
    if (!this.entries.delete(e.id)) return;
    let successor = false;
    if (e.cancelId !== undefined) {
      const rest = (this.active.get(e.cancelId) ?? []).filter((x) => x !== e);
      if (rest.length > 0) this.active.set(e.cancelId, rest);
      else this.active.delete(e.cancelId);
      successor = rest.length > 0;
    }
    const at = this.waiting.indexOf(e);
    if (at >= 0) this.waiting.splice(at, 1);
    else if (e.mixnet) this.mixnetInFlight = Math.max(0, this.mixnetInFlight - 1);
    if ((at < 0 && e.mixnet) || successor) this.pump();
  }

  private abort(e: Entry, signal: AbortSignal): void {
    if (e.settled) return;
    e.settled = true;
    e.reject(abortError(signal));
    if (e.state === 'waiting' || !e.cancel) {
      // Never written, or a local request: its late answer is simply unmatched.
      this.remove(e);
      return;
    }
    const cancelInFlight = e.state === 'reissuing';
    e.state = 'cancelling';
    if (!cancelInFlight) this.sendCancel(e);
  }

  private settleInternal(e: Entry): void {
    this.remove(e);
    if (e.settled) return;
    e.settled = true;
    e.reject(new ThinClientError('closed', 'superseded by a replay'));
  }

  /** Watchdog (§3.6): cancel, then send the same bytes again under the same query id. */
  private reissue(e: Entry): void {
    e.watchdog = undefined;
    if (e.state !== 'sent' || !this.entries.has(e.id)) return;
    e.state = 'reissuing';
    this.sendCancel(e);
  }

  private sendCancel(e: Entry): void {
    if (!e.cancel) return;
    if (!this.wire) {
      e.cancelPending = true;
      return;
    }
    e.cancelPending = false;
    const { key, ...body } = e.cancel;
    const done = (): void => {
      if (!this.entries.has(e.id)) return;
      if (e.state === 'cancelling') this.remove(e);
      else if (e.state === 'reissuing' && this.wire) {
        e.state = 'sent';
        this.wire.write(e.frame);
      }
    };
    // The cancel's own outcome only matters as "the daemon has processed it".
    this.enqueue(key, body as never, undefined, true).then(done, done);
  }
}

function cancelRoute(key: QueryRequestKey, body: unknown): CancelRoute | undefined {
  if (key === 'start_resending_encrypted_message') {
    return { key: 'cancel_resending_encrypted_message', envelope_hash: (body as { envelope_hash: Uint8Array }).envelope_hash };
  }
  if (key === 'start_resending_copy_command') {
    return { key: 'cancel_resending_copy_command', write_cap_hash: writeCapHash((body as { write_cap: Uint8Array }).write_cap) };
  }
  return undefined;
}

/** §2.6: BLAKE2b-256 of the 168 serialized write-cap bytes. */
export function writeCapHash(writeCap: Uint8Array): Uint8Array {
  return blake2b(writeCap, { dkLen: 32 });
}

export function abortError(signal: AbortSignal): ThinClientError {
  return new ThinClientError('aborted', 'the request was aborted', { cause: signal.reason });
}
