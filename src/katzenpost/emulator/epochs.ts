// PKI and replica epochs (thin-client §1.5, §3.5).

/** Katzenpost's epoch origin: 2017-06-01T00:00Z. */
export const EPOCH_ORIGIN_MS = Date.UTC(2017, 5, 1);

/** floor((now − origin) / period): the PKI epoch with a 20-min period, the replica epoch with 7 days. */
export function epochAt(nowMs: number, periodMs: number): number {
  return Math.floor((nowMs - EPOCH_ORIGIN_MS) / periodMs);
}

/** Milliseconds until the next epoch boundary. */
export function msUntilNextEpoch(nowMs: number, periodMs: number): number {
  return periodMs - ((nowMs - EPOCH_ORIGIN_MS) % periodMs);
}
