// Everything that shapes the emulated mixnet, with two profiles: `fast` (tests: no latency, no
// pacing) and `demo` (seconds per round trip, like the docker testnet, thin-client §3.6).
import { DEFAULT_MAX_PLAINTEXT_PAYLOAD_LENGTH } from './geometry.js';

/** A per-round-trip latency distribution in milliseconds. */
export type LatencyModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** Exponential with the given mean, plus a floor: a mixnet's Poisson mix delays. */
  | { readonly kind: 'exponential'; readonly meanMs: number; readonly minMs: number };

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface EmulatorOptions {
  /** Box payload size; every other length follows from it (thin-client §3.2). */
  readonly maxPlaintextPayloadLength: number;
  /** Latency of one round trip daemon → courier → daemon. */
  readonly latency: LatencyModel;
  /** Probability that a round trip is lost and has to be retransmitted (0 ≤ loss < 1). */
  readonly loss: number;
  /** Extra wait before a lost packet is retransmitted (the daemon's RTT + 20 s timer, §3.6). */
  readonly retransmitMs: number;
  /** Packets per second the sender drains across all clients (LambdaP, §1.7); 0 = unpaced. */
  readonly sendRatePerSecond: number;
  /** Unsent mixnet requests per connection before the reader blocks (§1.7: 16). */
  readonly unsentQueueLimit: number;
  /** How long a dropped session keeps its state (§1.6: 10 min by default). */
  readonly sessionGraceMs: number;
  /** Replies queued for a disconnected session (§1.6: 1000). */
  readonly sessionQueueLimit: number;
  /** The copy command's poll interval while the courier answers InProgress (§3.8: 5 s). */
  readonly copyPollMs: number;
  /** How long the courier waits for a missing temporary box before the copy fails (§3.8). */
  readonly copyReadTimeoutMs: number;
  /** How long finished copies are remembered by write-cap hash (§3.8: 30 min). */
  readonly copyDedupMs: number;
  /** PKI epoch length (§1.5: 20 min; 2 min when warped). */
  readonly pkiEpochMs: number;
  /** Replica storage epoch (§3.5: 7 days). */
  readonly replicaEpochMs: number;
  /** Box lifetime (§3.5: data lives 7–14 days; this caps it). */
  readonly boxTtlMs: number;
  /** Refuse non-tombstone writes beyond this many boxes with StorageFull (6); 0 = unlimited. */
  readonly maxBoxes: number;
  /** Whether the daemon starts connected to the (emulated) mixnet. */
  readonly online: boolean;
  /** Number of emulated replicas in the PKI document (encrypt_* needs ≥ 3, §3.5). */
  readonly replicas: number;
  readonly clock: Clock;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const FAST_OPTIONS: EmulatorOptions = {
  maxPlaintextPayloadLength: DEFAULT_MAX_PLAINTEXT_PAYLOAD_LENGTH,
  latency: { kind: 'fixed', ms: 0 },
  loss: 0,
  retransmitMs: 0,
  sendRatePerSecond: 0,
  unsentQueueLimit: 16,
  sessionGraceMs: 10 * MINUTE,
  sessionQueueLimit: 1000,
  copyPollMs: 0,
  copyReadTimeoutMs: 2_000,
  copyDedupMs: 30 * MINUTE,
  pkiEpochMs: 20 * MINUTE,
  replicaEpochMs: 7 * DAY,
  boxTtlMs: 14 * DAY,
  maxBoxes: 0,
  online: true,
  replicas: 5,
  clock: systemClock,
};

/** The docker testnet's feel: ~1 packet/s, seconds per round trip, 5 s copy polls. */
export const DEMO_OPTIONS: EmulatorOptions = {
  ...FAST_OPTIONS,
  latency: { kind: 'exponential', meanMs: 1_500, minMs: 400 },
  loss: 0.01,
  retransmitMs: 20_000,
  sendRatePerSecond: 1,
  copyPollMs: 5_000,
  copyReadTimeoutMs: 60_000,
};

export function withOptions(base: EmulatorOptions, overrides: Partial<EmulatorOptions>): EmulatorOptions {
  const o: EmulatorOptions = { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  checkOptions(o);
  return o;
}

function nonNegative(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${name}: must be a finite number ≥ 0`);
}

export function checkOptions(o: EmulatorOptions): void {
  for (const k of ['retransmitMs', 'sendRatePerSecond', 'sessionGraceMs', 'sessionQueueLimit', 'copyPollMs', 'copyReadTimeoutMs', 'copyDedupMs', 'boxTtlMs', 'maxBoxes'] as const) {
    nonNegative(k, o[k]);
  }
  if (!(o.loss >= 0 && o.loss < 1)) throw new RangeError('loss: must be in [0, 1)');
  if (!Number.isInteger(o.unsentQueueLimit) || o.unsentQueueLimit < 1) throw new RangeError('unsentQueueLimit: must be an integer ≥ 1');
  if (!(o.pkiEpochMs >= 1000)) throw new RangeError('pkiEpochMs: must be ≥ 1000');
  if (!(o.replicaEpochMs >= o.pkiEpochMs)) throw new RangeError('replicaEpochMs: must be ≥ pkiEpochMs');
  if (!Number.isInteger(o.replicas) || o.replicas < 0) throw new RangeError('replicas: must be an integer ≥ 0');
  const l = o.latency;
  if (l.kind === 'fixed') nonNegative('latency.ms', l.ms);
  else if (l.kind === 'uniform') {
    nonNegative('latency.minMs', l.minMs);
    if (!(l.maxMs >= l.minMs)) throw new RangeError('latency.maxMs: must be ≥ minMs');
  } else {
    nonNegative('latency.meanMs', l.meanMs);
    nonNegative('latency.minMs', l.minMs);
  }
}

/** Parses "0", "250ms", "2s", "500-3000ms" (uniform), "exp:1500ms" or "exp:1500ms+400ms". */
export function parseLatency(text: string): LatencyModel {
  const ms = (t: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(t.trim());
    if (!m) throw new RangeError(`latency: cannot read ${JSON.stringify(t)} (try 250ms, 2s, 500-3000ms, exp:1500ms+400ms)`);
    return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  };
  if (text.startsWith('exp:')) {
    const [mean, floor] = text.slice(4).split('+');
    return { kind: 'exponential', meanMs: ms(mean ?? ''), minMs: floor === undefined ? 0 : ms(floor) };
  }
  const range = /^([^-]+)-([^-]+)$/.exec(text);
  if (range) {
    const unit = text.endsWith('s') && !text.endsWith('ms') ? 's' : text.endsWith('ms') ? 'ms' : '';
    const lo = /[a-z]$/.test(range[1]!) ? range[1]! : range[1]! + unit;
    return { kind: 'uniform', minMs: ms(lo), maxMs: ms(range[2]!) };
  }
  return { kind: 'fixed', ms: ms(text) };
}

/** Parses a duration such as "30s", "10m", "250ms", "2h" or a bare number of milliseconds. */
export function parseDuration(name: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new RangeError(`${name}: cannot read ${JSON.stringify(text)} as a duration (e.g. 30s, 10m)`);
  const unit = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: DAY }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
}
