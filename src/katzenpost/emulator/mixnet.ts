// How the emulated mixnet delays things (thin-client §1.7, §3.6): a sender that drains one packet
// per Poisson tick at LambdaP across all clients, a per-round-trip latency distribution, loss that
// costs a retransmission, and an offline mode in which nothing is sent. With the fast options
// every wait is a microtask, so tests run at full speed.
import type { EmulatorOptions, LatencyModel } from './options.js';

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly code = 'aborted';
}

/** Sleeps `ms` (0 = next macrotask turn is not needed: resolves at once), rejecting on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError('aborted'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AbortedError('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function sampleLatency(model: LatencyModel, random: () => number = Math.random): number {
  switch (model.kind) {
    case 'fixed':
      return model.ms;
    case 'uniform':
      return model.minMs + random() * (model.maxMs - model.minMs);
    case 'exponential':
      return model.minMs + -Math.log(1 - random()) * model.meanMs;
  }
}

interface SlotWaiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly signal: AbortSignal | undefined;
}

export class Mixnet {
  private online: boolean;
  private readonly slotQueue: SlotWaiter[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private nextSlotAt = 0;
  private closed = false;

  constructor(
    private readonly options: Pick<EmulatorOptions, 'latency' | 'loss' | 'retransmitMs' | 'sendRatePerSecond' | 'online'>,
    private readonly random: () => number = Math.random,
  ) {
    this.online = options.online;
  }

  get isOnline(): boolean {
    return this.online;
  }

  setOnline(online: boolean): void {
    this.online = online;
    this.pump();
  }

  /** Waits for the sender to take one packet: online, and a Poisson tick when paced. */
  sendSlot(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError('aborted'));
    if (this.closed) return Promise.reject(new AbortedError('mixnet closed'));
    if (this.online && this.options.sendRatePerSecond === 0 && this.slotQueue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: SlotWaiter = { resolve, reject, signal };
      this.slotQueue.push(waiter);
      signal?.addEventListener('abort', () => {
        const i = this.slotQueue.indexOf(waiter);
        if (i >= 0) this.slotQueue.splice(i, 1);
        reject(new AbortedError('aborted'));
      }, { once: true });
      this.pump();
    });
  }

  /**
   * One packet out and its reply back: a send slot, the sampled latency, and for each loss a
   * retransmission timer plus another slot and another trip.
   */
  async roundTrip(signal?: AbortSignal, onSent?: () => void): Promise<void> {
    await this.sendSlot(signal);
    onSent?.();
    await sleep(sampleLatency(this.options.latency, this.random), signal);
    while (this.options.loss > 0 && this.random() < this.options.loss) {
      await sleep(this.options.retransmitMs, signal);
      await this.sendSlot(signal);
      await sleep(sampleLatency(this.options.latency, this.random), signal);
    }
  }

  close(): void {
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    for (const w of this.slotQueue.splice(0)) w.reject(new AbortedError('mixnet closed'));
  }

  private pump(): void {
    if (!this.online || this.closed || this.pumpTimer) return;
    const rate = this.options.sendRatePerSecond;
    if (rate === 0) {
      for (const w of this.slotQueue.splice(0)) w.resolve();
      return;
    }
    if (this.slotQueue.length === 0) return;
    const now = Date.now();
    const wait = Math.max(0, this.nextSlotAt - now);
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      if (!this.online) return;
      const w = this.slotQueue.shift();
      // Poisson process: exponential gaps with mean 1/rate.
      this.nextSlotAt = Date.now() + (-Math.log(1 - this.random()) * 1000) / rate;
      w?.resolve();
      this.pump();
    }, wait);
  }
}
