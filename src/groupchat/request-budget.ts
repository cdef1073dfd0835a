/**
 * The daemon's per-connection limit on unsent mixnet requests (thin-client §1.7: a queue of 16;
 * a 17th stalls every later request on the connection, cancels included). Every mixnet request
 * of the engine, reads and writes, holds one slot from start to reply, so in-flight requests,
 * and hence unsent ones, never exceed the limit.
 */
export const DAEMON_UNSENT_LIMIT = 16;

export class RequestBudget {
  private used = 0;
  private readonly waiters: Array<() => void> = [];
  private peak = 0;

  constructor(readonly limit: number = DAEMON_UNSENT_LIMIT) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit: expected a positive integer');
  }

  get free(): number {
    return this.limit - this.used;
  }
  /** Highest number of slots held at once: the bench and tests check it never passed the limit. */
  get peakUsed(): number {
    return this.peak;
  }

  /** Takes a slot now if one is free. */
  tryAcquire(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    this.peak = Math.max(this.peak, this.used);
    return true;
  }

  /** Waits for a slot (writes queue here; the read scheduler only uses tryAcquire). */
  async acquire(): Promise<void> {
    while (!this.tryAcquire()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    if (this.used <= 0) throw new RangeError('release: no slot is held');
    this.used--;
    this.waiters.shift()?.();
    this.onRelease?.();
  }

  /** Called after every release, so the read scheduler can use a slot a write gave back. */
  onRelease: (() => void) | undefined;

  async with<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
