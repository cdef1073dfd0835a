import type { PigeonholePort, ReadOutcome } from './pigeonhole-port.js';
import type { RequestBudget } from './request-budget.js';
import { DEFAULT_POLICY, SchedulerPolicy, type Outcome, type PolicyConfig, type ReadMode } from './scheduler-policy.js';

/**
 * Drives SchedulerPolicy (the pure decisions) against the daemon: starts and cancels reads,
 * holds one RequestBudget slot per read in flight, feeds outcomes back. Everything that reads a
 * stream (member streams, temp streams of large messages, voucher rendezvous boxes) is a
 * ReadTarget, so all of them share one budget.
 */

export interface ReadTarget {
  readonly key: string;
  /** Streams of one group share "warmth" (scheduler-policy.ts). */
  readonly group: string;
  /** Where to read now; undefined: nothing to read at the moment. */
  position(): { readonly readCap: Uint8Array; readonly index: Uint8Array; readonly failFastOnly?: boolean } | undefined;
  /** Consumes a read's outcome. `urgent`: read again at once; `done`: stop reading this target.
   *  Runs before the next read of the same target starts. */
  handle(index: Uint8Array, outcome: ReadOutcome): Promise<{ readonly urgent: boolean; readonly done?: boolean }>;
}

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface SchedulerStats {
  readsStarted: number;
  blockingReads: number;
  failFastReads: number;
  boxes: number;
  notFound: number;
  errors: number;
  cancelled: number;
}

export class ReadScheduler {
  readonly policy: SchedulerPolicy;
  readonly stats: SchedulerStats = { readsStarted: 0, blockingReads: 0, failFastReads: 0, boxes: 0, notFound: 0, errors: 0, cancelled: 0 };
  private readonly targets = new Map<string, ReadTarget>();
  private readonly inFlight = new Map<string, AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = false;
  private pumping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly port: PigeonholePort,
    private readonly budget: RequestBudget,
    config: PolicyConfig = DEFAULT_POLICY,
    private readonly clock: Clock = systemClock,
    /** Called when a target's handler throws (a store failure): the read is retried later. */
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {
    this.policy = new SchedulerPolicy(config, clock.now());
    budget.onRelease = () => this.pump();
  }

  add(target: ReadTarget): void {
    this.targets.set(target.key, target);
    this.policy.addStream(target.key, target.group, this.clock.now());
    this.pump();
  }

  remove(key: string): void {
    this.targets.delete(key);
    this.policy.removeStream(key);
    this.inFlight.get(key)?.abort();
  }

  has(key: string): boolean {
    return this.targets.has(key);
  }

  /** Read this target at once (it has just changed position, or a box is expected). */
  kick(key: string): void {
    this.policy.markUrgent(key, this.clock.now());
    this.pump();
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Follows the daemon's send rate (readRateFor). Returns the rate now in force. */
  setReadsPerSecond(rate: number): number {
    this.policy.setReadsPerSecond(rate, this.clock.now());
    // A pending wake-up was timed for the old rate.
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
    return this.policy.readsPerSecond;
  }

  /** Stops starting reads and cancels those in flight; resolves when all have ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const ac of this.inFlight.values()) ac.abort();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (!this.running || this.pumping) return;
    this.pumping = true;
    try {
      const now = this.clock.now();
      const d = this.policy.plan(now, this.budget.free);
      for (const key of d.cancel) this.inFlight.get(key)?.abort();
      for (const { key, mode } of d.start) this.launch(key, mode);
      this.arm(d.wakeAtMs, now);
    } finally {
      this.pumping = false;
    }
  }

  private arm(wakeAtMs: number | undefined, now: number): void {
    if (wakeAtMs === undefined) return;
    if (this.timer && this.timerAt <= wakeAtMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = wakeAtMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, wakeAtMs - now));
  }

  private launch(key: string, mode: ReadMode): void {
    const target = this.targets.get(key);
    const pos = target?.position();
    if (!target || !pos || !this.budget.tryAcquire()) {
      // Nothing to read (or no slot after all): tell the policy so it backs off.
      queueMicrotask(() => this.finish(key, 'not_found', false));
      return;
    }
    const blocking = mode === 'blocking' && !pos.failFastOnly;
    this.policy.setFailFastOnly(key, !!pos.failFastOnly);
    const ac = new AbortController();
    this.inFlight.set(key, ac);
    this.stats.readsStarted++;
    if (blocking) this.stats.blockingReads++;
    else this.stats.failFastReads++;
    void (async () => {
      let outcome: ReadOutcome;
      try {
        outcome = await this.port.readBox(pos.readCap, pos.index, { blocking, signal: ac.signal });
      } catch (e) {
        outcome = { kind: 'error', code: -1, detail: e instanceof Error ? e.message : String(e) };
      }
      this.inFlight.delete(key);
      this.budget.release();
      let urgent = false;
      let done = false;
      let kind: Outcome = outcome.kind === 'tombstone' ? 'box' : outcome.kind;
      try {
        const res = await target.handle(pos.index, outcome);
        urgent = res.urgent;
        done = !!res.done;
      } catch (e) {
        this.onError(key, e);
        kind = 'error';
      }
      this.count(kind);
      if (done) this.remove(key);
      this.finish(key, kind, urgent);
    })();
  }

  private count(kind: Outcome): void {
    if (kind === 'box') this.stats.boxes++;
    else if (kind === 'not_found') this.stats.notFound++;
    else if (kind === 'error') this.stats.errors++;
    else this.stats.cancelled++;
  }

  private finish(key: string, kind: Outcome, urgent: boolean): void {
    this.policy.onOutcome(key, kind, this.clock.now(), urgent);
    if (this.inFlight.size === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
    this.pump();
  }
}
