/**
 * Outgoing flood control per connection (issue 7; config irc.networks.*.flood). Servers
 * disconnect clients that send faster than they allow (RFC 1459 §8.10: each message adds to a
 * penalty timer that may run at most ~10 s ahead of the clock). We pace ourselves the same way:
 * `burstLines` lines go at once, then one line per `intervalMs`. The clock and timer are injected
 * so tests check the pacing without waiting.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class FloodClosedError extends Error {
  override readonly name = 'FloodClosedError';
  readonly code = 'connection_closed';
}

interface Pending {
  readonly line: string;
  resolve(): void;
  reject(e: Error): void;
}

export class FloodQueue {
  /** The time at which the penalty timer is back to the present (RFC 1459 §8.10's timer). */
  private penaltyUntil = 0;
  private readonly queue: Pending[] = [];
  private timer: unknown;

  constructor(
    private readonly o: { burstLines: number; intervalMs: number; send: (line: string) => void; clock?: Clock },
  ) {
    if (!Number.isInteger(o.burstLines) || o.burstLines < 1) throw new RangeError(`FloodQueue: burstLines must be an integer >= 1, got ${o.burstLines}`);
    if (!Number.isFinite(o.intervalMs) || o.intervalMs < 0) throw new RangeError(`FloodQueue: intervalMs must be >= 0, got ${o.intervalMs}`);
  }

  private get clock(): Clock {
    return this.o.clock ?? SYSTEM_CLOCK;
  }

  /** Lines waiting to be sent. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Queues a line; resolves once it has been handed to the socket, in order. */
  send(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.pump();
    });
  }

  /** Drops every waiting line (the connection is gone); their promises reject, so the delivery
   *  queue retries them on the next connection. */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.queue.splice(0)) p.reject(new FloodClosedError('the IRC connection closed before the line was sent'));
    this.penaltyUntil = 0;
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    const { burstLines, intervalMs } = this.o;
    const allowance = (burstLines - 1) * intervalMs;
    while (this.queue.length > 0) {
      const now = this.clock.now();
      this.penaltyUntil = Math.max(this.penaltyUntil, now);
      const wait = this.penaltyUntil - now - allowance;
      if (wait > 0) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const p = this.queue.shift()!;
      this.penaltyUntil += intervalMs;
      try {
        this.o.send(p.line);
        p.resolve();
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
}
