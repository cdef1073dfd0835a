/**
 * The read scheduler's policy core: pure, no I/O, no clocks (time is an argument), so every
 * decision is unit-testable. read-scheduler.ts drives it against the daemon.
 *
 * The problem (DESIGN.md §3, wire §1.13, thin-client §1.7, §3.4): katzenqt keeps one blocking
 * read (a long-poll) per member stream. That costs one request per stream and, on the real
 * network, one retransmission per round trip per stream, and the daemon stalls a connection that
 * has more than 16 unsent mixnet requests. A bridge with hundreds of member streams cannot do
 * that. So:
 *  - streams with recent activity (a box read within hotWindowMs) hold blocking reads, at most
 *    maxBlocking of them, ranked by an activity score (boxes read, decaying with
 *    activityHalfLifeMs), so a member in an ongoing conversation outranks one who posted once:
 *    active conversations arrive within one round trip of being written;
 *  - every other stream gets fail-fast reads (no_retry_on_box_id_not_found) with exponential
 *    backoff; streams of a group with recent activity back off less and are polled first (the
 *    next speaker is likely there);
 *  - a stream that just yielded a box, or is fetching a large message from a temp stream, is
 *    read again at once ("urgent"): that drains a backlog after downtime box by box;
 *  - never more than maxInFlight reads at once (the rest of the 16 are left to writes), and
 *    never more read starts than the send-rate budget allows;
 *  - blocking reads are refreshed every blockingRefreshMs (cancel + re-encrypt: the courier may
 *    serve a cached not-found for up to 5 min, thin-client §3.4), and demoted when a more
 *    recently active stream wants their slot.
 */

export type ReadMode = 'blocking' | 'fail_fast';
export type Outcome = 'box' | 'not_found' | 'error' | 'cancelled';

export interface PolicyConfig {
  /** Reads in flight at most (the daemon's limit is 16 unsent per connection; keep some for writes). */
  readonly maxInFlight: number;
  /** Blocking reads at most; the remaining slots serve fail-fast polls. */
  readonly maxBlocking: number;
  /** A stream is hot (wants a blocking read) for this long after its last box. */
  readonly hotWindowMs: number;
  /** Half-life of the activity score that ranks hot streams for the blocking slots. */
  readonly activityHalfLifeMs: number;
  /** A group is warm while its activity score (boxes read in all its streams, decaying with
   *  activityHalfLifeMs) is at least this: a conversation, not one stray message. When a group
   *  turns warm, all its idle streams are polled at once (the next speaker is likely there). */
  readonly warmScore: number;
  readonly minBackoffMs: number;
  /** Backoff ceiling for idle streams of cold groups. */
  readonly maxBackoffMs: number;
  /** Backoff ceiling for streams of warm groups. */
  readonly warmMaxBackoffMs: number;
  /** Retry delay after a daemon error (katzenqt: 5 s, wire §1.13). */
  readonly errorRetryMs: number;
  /** Cancel and re-issue a blocking read after this long (thin-client §3.4: every 1-3 min). */
  readonly blockingRefreshMs: number;
  /** A blocking read is not demoted before it has run this long (no thrashing). */
  readonly minBlockingHoldMs: number;
  /** Send-rate budget: read starts per second (token bucket), and the bucket size. */
  readonly readsPerSecond: number;
  readonly burst: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  maxInFlight: 15,
  maxBlocking: 11,
  hotWindowMs: 120_000,
  activityHalfLifeMs: 30_000,
  warmScore: 1.5,
  minBackoffMs: 2_000,
  maxBackoffMs: 60_000,
  warmMaxBackoffMs: 8_000,
  errorRetryMs: 5_000,
  blockingRefreshMs: 120_000,
  minBlockingHoldMs: 5_000,
  readsPerSecond: 20,
  burst: 20,
};

/** What the policy knows about one stream. */
interface StreamState {
  readonly key: string;
  readonly group: string;
  lastBoxMs: number;
  /** Decaying count of boxes read: `score` as of `scoreAtMs`. */
  score: number;
  scoreAtMs: number;
  backoffMs: number;
  nextDueMs: number;
  /** Read again at once, even before the backoff: backlog catch-up or a temp-stream transfer. */
  urgent: boolean;
  /** Never a blocking read: temp streams (their boxes are all written, wire §1.13 [N]) and
   *  voucher rendezvous polling. */
  failFastOnly: boolean;
  inFlight?: { mode: ReadMode; sinceMs: number; cancelling: boolean };
}

export interface Decisions {
  readonly start: ReadonlyArray<{ readonly key: string; readonly mode: ReadMode }>;
  readonly cancel: readonly string[];
  /** When to call plan() again at the latest (undefined: nothing is waiting on time). */
  readonly wakeAtMs: number | undefined;
}

export class SchedulerPolicy {
  private readonly streams = new Map<string, StreamState>();
  private readonly groupScore = new Map<string, { score: number; atMs: number }>();
  private tokens: number;
  private tokensAtMs: number;
  /** Read starts per second now: config.readsPerSecond until the daemon's send rate is known. */
  private rate: number;
  /** Counters for status and the bench. */
  readonly stats = { blockingStarts: 0, failFastStarts: 0, cancels: 0 };

  constructor(
    readonly config: PolicyConfig = DEFAULT_POLICY,
    nowMs = 0,
  ) {
    if (!(config.maxInFlight >= 1) || !(config.maxBlocking >= 0) || config.maxBlocking > config.maxInFlight) {
      throw new RangeError('config: need 1 <= maxInFlight and 0 <= maxBlocking <= maxInFlight');
    }
    if (!(config.readsPerSecond > 0) || !(config.burst >= 1)) throw new RangeError('config: readsPerSecond > 0 and burst >= 1');
    this.tokens = config.burst;
    this.tokensAtMs = nowMs;
    this.rate = config.readsPerSecond;
  }

  get readsPerSecond(): number {
    return this.rate;
  }

  /** A new read rate (readRateFor: the daemon's send rate changed); tokens so far are kept. */
  setReadsPerSecond(rate: number, nowMs: number): void {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate: expected a positive number of reads per second, got ${rate}`);
    this.refill(nowMs);
    this.rate = rate;
  }

  /** A stream to read. New streams are due at once (a first read catches up on history). */
  addStream(key: string, group: string, nowMs: number): void {
    if (this.streams.has(key)) return;
    this.streams.set(key, { key, group, lastBoxMs: -Infinity, score: 0, scoreAtMs: nowMs, backoffMs: 0, nextDueMs: nowMs, urgent: false, failFastOnly: false });
  }

  /** Restricts a stream to fail-fast reads (while it reads a temp stream, for example). */
  setFailFastOnly(key: string, on: boolean): void {
    const s = this.streams.get(key);
    if (s) s.failFastOnly = on;
  }

  /** Stops scheduling a stream. A read in flight is the driver's to cancel. */
  removeStream(key: string): void {
    this.streams.delete(key);
  }

  has(key: string): boolean {
    return this.streams.has(key);
  }

  /** Marks a stream for an immediate read (a temp-stream transfer started, a write we expect). */
  markUrgent(key: string, nowMs: number): void {
    const s = this.streams.get(key);
    if (!s) return;
    s.urgent = true;
    s.nextDueMs = Math.min(s.nextDueMs, nowMs);
  }

  /** The driver reports how a read ended. `urgentNext`: the stream has more to fetch right away
   *  (a transfer in progress) even if this read found nothing. */
  onOutcome(key: string, outcome: Outcome, nowMs: number, urgentNext = false): void {
    const s = this.streams.get(key);
    if (!s) return;
    s.inFlight = undefined;
    const c = this.config;
    switch (outcome) {
      case 'box':
        s.score = this.activity(s, nowMs) + 1;
        s.scoreAtMs = nowMs;
        s.lastBoxMs = nowMs;
        this.bumpGroup(s.group, nowMs);
        s.backoffMs = 0;
        s.nextDueMs = nowMs;
        s.urgent = true;
        break;
      case 'not_found': {
        const ceiling = this.isWarm(s.group, nowMs) ? c.warmMaxBackoffMs : c.maxBackoffMs;
        s.backoffMs = Math.min(ceiling, Math.max(c.minBackoffMs, s.backoffMs * 2));
        s.nextDueMs = nowMs + (urgentNext ? c.minBackoffMs : s.backoffMs);
        s.urgent = false;
        break;
      }
      case 'error':
        s.nextDueMs = nowMs + c.errorRetryMs;
        s.urgent = false;
        break;
      case 'cancelled':
        // A refresh or demotion: due at once; plan() picks the mode.
        s.nextDueMs = nowMs;
        break;
    }
    if (urgentNext && outcome !== 'not_found' && outcome !== 'error') s.urgent = true;
  }

  /** Decides which reads to start and which blocking reads to cancel. The driver must start and
   *  cancel exactly these, then report each read's outcome. `freeSlots` is how many mixnet
   *  requests the shared budget allows right now (writes use it too). */
  plan(nowMs: number, freeSlots = Infinity): Decisions {
    const c = this.config;
    this.refill(nowMs);
    const all = [...this.streams.values()];
    const act = new Map(all.map((s) => [s.key, this.activity(s, nowMs)]));
    const warmGroups = new Map<string, boolean>();
    const warm = (s: StreamState): boolean => {
      let w = warmGroups.get(s.group);
      if (w === undefined) warmGroups.set(s.group, (w = this.isWarm(s.group, nowMs)));
      return w;
    };
    // Hot streams by activity score, then recency; the due order puts warm groups first.
    const byScore = (a: StreamState, b: StreamState): number => act.get(b.key)! - act.get(a.key)! || byActivity(a, b);
    const byDue = (a: StreamState, b: StreamState): number => Number(warm(b)) - Number(warm(a)) || byScore(a, b);
    const hot = all
      .filter((s) => !s.failFastOnly && nowMs - s.lastBoxMs <= c.hotWindowMs)
      .sort((a, b) => byScore(a, b) || cmp(a.key, b.key))
      .slice(0, c.maxBlocking);
    const wanted = new Set(hot.map((s) => s.key));

    const cancel: string[] = [];
    const blocking = all.filter((s) => s.inFlight?.mode === 'blocking' && !s.inFlight.cancelling);
    const waitingHot = hot.filter((s) => !s.inFlight).length;
    let demotable = Math.max(0, blocking.length + waitingHot - c.maxBlocking);
    for (const s of blocking.sort((a, b) => byScore(b, a))) {
      const held = nowMs - s.inFlight!.sinceMs;
      const refresh = held >= c.blockingRefreshMs;
      const demote = demotable > 0 && !wanted.has(s.key) && held >= c.minBlockingHoldMs;
      if (refresh || demote) {
        if (demote) demotable--;
        s.inFlight!.cancelling = true;
        cancel.push(s.key);
        this.stats.cancels++;
      }
    }

    let inFlight = all.filter((s) => s.inFlight).length;
    let blockingCount = all.filter((s) => s.inFlight?.mode === 'blocking').length;
    let slots = Math.min(c.maxInFlight - inFlight, freeSlots);
    const start: Array<{ key: string; mode: ReadMode }> = [];
    const take = (s: StreamState, mode: ReadMode): boolean => {
      if (slots <= 0 || this.tokens < 1) return false;
      slots--;
      this.tokens--;
      inFlight++;
      s.inFlight = { mode, sinceMs: nowMs, cancelling: false };
      start.push({ key: s.key, mode });
      if (mode === 'blocking') {
        blockingCount++;
        this.stats.blockingStarts++;
      } else this.stats.failFastStarts++;
      return true;
    };
    // Urgent work first (a backlog or a transfer: the box is likely there), then hot streams'
    // blocking reads, then due fail-fast polls, most recently active first.
    const idle = all.filter((s) => !s.inFlight);
    const urgent = idle.filter((s) => s.urgent && s.nextDueMs <= nowMs).sort((a, b) => byScore(a, b) || cmp(a.key, b.key));
    for (const s of urgent) {
      const mode: ReadMode = wanted.has(s.key) && blockingCount < c.maxBlocking ? 'blocking' : 'fail_fast';
      if (!take(s, mode)) break;
    }
    for (const s of hot) {
      if (s.inFlight || blockingCount >= c.maxBlocking) continue;
      if (!take(s, 'blocking')) break;
    }
    const due = idle
      .filter((s) => !s.inFlight && s.nextDueMs <= nowMs)
      .sort((a, b) => byDue(a, b) || a.nextDueMs - b.nextDueMs || cmp(a.key, b.key));
    for (const s of due) if (!take(s, 'fail_fast')) break;

    // Streams already due wait for a slot (an outcome triggers the next plan) or for a token.
    let wakeAtMs: number | undefined;
    for (const s of this.streams.values()) {
      if (s.inFlight) continue;
      if (s.nextDueMs <= nowMs && slots <= 0) continue;
      const at = s.nextDueMs <= nowMs ? nowMs + Math.max(1, this.msUntilToken()) : s.nextDueMs;
      if (wakeAtMs === undefined || at < wakeAtMs) wakeAtMs = at;
    }
    return { start, cancel, wakeAtMs };
  }

  /** Introspection for status output and tests. */
  inFlight(): { blocking: number; failFast: number } {
    let blocking = 0;
    let failFast = 0;
    for (const s of this.streams.values()) {
      if (s.inFlight?.mode === 'blocking') blocking++;
      else if (s.inFlight) failFast++;
    }
    return { blocking, failFast };
  }

  private groupActivity(group: string, nowMs: number): number {
    const g = this.groupScore.get(group);
    if (!g) return 0;
    return g.score * Math.pow(0.5, Math.max(0, nowMs - g.atMs) / this.config.activityHalfLifeMs);
  }

  private isWarm(group: string, nowMs: number): boolean {
    return this.groupActivity(group, nowMs) >= this.config.warmScore;
  }

  /** Counts a box for the group; on turning warm, every idle stream of it is due at once. */
  private bumpGroup(group: string, nowMs: number): void {
    const before = this.groupActivity(group, nowMs);
    this.groupScore.set(group, { score: before + 1, atMs: nowMs });
    if (before >= this.config.warmScore || before + 1 < this.config.warmScore) return;
    for (const s of this.streams.values()) {
      if (s.group !== group || s.inFlight) continue;
      s.nextDueMs = Math.min(s.nextDueMs, nowMs);
      s.backoffMs = 0;
    }
  }

  /** The stream's activity score decayed to `nowMs`. */
  private activity(s: StreamState, nowMs: number): number {
    if (s.score === 0) return 0;
    return s.score * Math.pow(0.5, Math.max(0, nowMs - s.scoreAtMs) / this.config.activityHalfLifeMs);
  }

  private refill(nowMs: number): void {
    const dt = Math.max(0, nowMs - this.tokensAtMs);
    this.tokens = Math.min(this.config.burst, this.tokens + (dt / 1000) * this.rate);
    this.tokensAtMs = nowMs;
  }

  private msUntilToken(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}

/** Share of the daemon's packets that reads may start: a read is at least two round trips (ACK,
 *  then the payload, thin-client §3.4) and writes need ticks too, so reads get a quarter. */
export const READ_SHARE_OF_SEND_RATE = 0.25;
/** Never slower than this: a bridge must notice new messages within seconds even on a slow net. */
export const MIN_READS_PER_SECOND = 0.2;

/**
 * Reads per second for a daemon that sends one packet per Poisson tick at `lambdaPPerMs`
 * (the PKI document's LambdaP, per millisecond, thin-client §1.7): starting reads faster only
 * queues them in the daemon, where they delay our own writes. Capped at `ceiling` (the
 * configured rate); undefined or nonsense LambdaP leaves the ceiling.
 */
export function readRateFor(lambdaPPerMs: number | undefined, ceiling: number): number {
  if (lambdaPPerMs === undefined || !Number.isFinite(lambdaPPerMs) || lambdaPPerMs <= 0) return ceiling;
  return Math.min(ceiling, Math.max(MIN_READS_PER_SECOND, lambdaPPerMs * 1000 * READ_SHARE_OF_SEND_RATE));
}

/** Most recently active first; 0 on a tie (streams never read yet tie at -Infinity). */
function byActivity(a: StreamState, b: StreamState): number {
  return a.lastBoxMs === b.lastBoxMs ? 0 : b.lastBoxMs > a.lastBoxMs ? 1 : -1;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
