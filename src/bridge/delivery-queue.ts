/**
 * One ordered queue per key (a portal's outbound direction, or one portal room's inbound
 * direction; DESIGN.md §4 "one ordered queue per portal and direction"), after mautrix's
 * per-portal event loop. The rows live in sqlite; this only makes sure that at most one drain
 * runs per key, that a kick during a drain runs it again afterwards, and that a drain which has
 * to wait (backoff) is woken at the right time.
 */

/** Drains ready rows; returns when to try again (ms from now) if a row waits for backoff. */
export type Drain = () => Promise<number | undefined>;

interface Slot {
  running?: Promise<void>;
  again: boolean;
  timer?: NodeJS.Timeout;
}

export class DeliveryQueues {
  private readonly slots = new Map<string, Slot>();
  private stopped = false;

  constructor(private readonly onError: (key: string, e: unknown) => void) {}

  kick(key: string, drain: Drain): void {
    if (this.stopped) return;
    const slot = this.slots.get(key) ?? { again: false };
    this.slots.set(key, slot);
    if (slot.timer) {
      clearTimeout(slot.timer);
      delete slot.timer;
    }
    if (slot.running) {
      slot.again = true;
      return;
    }
    slot.running = (async () => {
      do {
        slot.again = false;
        let wait: number | undefined;
        try {
          wait = await drain();
        } catch (e) {
          // A store failure: report and try again later rather than spin.
          this.onError(key, e);
          wait = 1000;
        }
        if (wait !== undefined && !slot.again && !this.stopped) {
          slot.timer = setTimeout(() => {
            delete slot.timer;
            this.kick(key, drain);
          }, Math.max(0, wait));
        }
      } while (slot.again && !this.stopped);
    })().finally(() => {
      delete slot.running;
    });
  }

  /** Resolves once every queue is idle; used by tests and clean shutdown. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.slots.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Finishes in-flight drains (DESIGN.md §5: SIGTERM finishes in-flight deliveries), then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.slots.values()) if (s.timer) clearTimeout(s.timer);
    await this.idle();
  }
}

/**
 * Retriable failures are retried for as long as it takes (an outage of a network or of the
 * daemon must not lose messages, DESIGN.md §4), with backoff capped at `maxMs`; after
 * `noticeAfterAttempts` failures the sender is told once that the message is delayed.
 */
export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly noticeAfterAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 60_000, noticeAfterAttempts: 6 };

/** Exponential backoff after `attempts` failures. */
export function backoffMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}
