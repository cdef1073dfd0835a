// What /ready reports: named checks that must all pass before the bridge is worth sending traffic
// to ("katzenpost connected", "homeserver reachable"). A check is either a flag the owning
// component flips as its state changes, or a probe run at each request; a probe that throws or
// takes longer than PROBE_TIMEOUT_MS counts as not ready.
import { KnownSecrets, redactText } from './redact.js';

export const PROBE_TIMEOUT_MS = 2000;

export interface CheckStatus {
  readonly name: string;
  readonly ready: boolean;
  /** Why not, in words safe to show (redacted); absent when ready. */
  readonly reason?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly CheckStatus[];
}

/** Returned by `Readiness.flag`; its owner calls these as the state changes. */
export interface ReadinessFlag {
  readonly name: string;
  ready(): void;
  notReady(reason: string): void;
}

export type Probe = () => boolean | Promise<boolean>;

type Check = { kind: 'flag'; ok: boolean; reason: string } | { kind: 'probe'; probe: Probe };

export class Readiness {
  readonly #checks = new Map<string, Check>();

  constructor(
    private readonly known: KnownSecrets = new KnownSecrets(),
    private readonly probeTimeoutMs = PROBE_TIMEOUT_MS,
  ) {}

  /** A check that starts not ready ("starting") until its owner calls ready(). */
  flag(name: string): ReadinessFlag {
    this.#claim(name);
    const check: Check = { kind: 'flag', ok: false, reason: 'starting' };
    this.#checks.set(name, check);
    return {
      name,
      ready: () => {
        check.ok = true;
        check.reason = '';
      },
      notReady: (reason: string) => {
        check.ok = false;
        check.reason = reason;
      },
    };
  }

  /** A check asked at each /ready request. */
  probe(name: string, probe: Probe): void {
    this.#claim(name);
    if (typeof probe !== 'function') throw new TypeError(`readiness probe ${JSON.stringify(name)}: expected a function`);
    this.#checks.set(name, { kind: 'probe', probe });
  }

  /** Removes a check (e.g. a frontend that was switched off by a reload). */
  remove(name: string): void {
    this.#checks.delete(name);
  }

  async report(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.#checks].map(([name, c]) => this.#run(name, c)));
    return { ready: checks.every((c) => c.ready), checks };
  }

  async #run(name: string, c: Check): Promise<CheckStatus> {
    if (c.kind === 'flag') return c.ok ? { name, ready: true } : { name, ready: false, reason: redactText(c.reason, this.known) };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.probeTimeoutMs);
      });
      const answer = await Promise.race([Promise.resolve().then(c.probe), timeout]);
      if (answer === 'timeout') return { name, ready: false, reason: `no answer within ${this.probeTimeoutMs} ms` };
      return answer === true ? { name, ready: true } : { name, ready: false, reason: 'check failed' };
    } catch (e) {
      // The error's name and code only: its message may hold anything.
      const err = e as { name?: unknown; code?: unknown };
      const what = [typeof err?.name === 'string' ? err.name : 'error', typeof err?.code === 'string' ? err.code : undefined].filter(Boolean).join(' ');
      return { name, ready: false, reason: redactText(`check threw ${what}`, this.known) };
    } finally {
      clearTimeout(timer);
    }
  }

  #claim(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 100) throw new RangeError('readiness check name: expected 1..100 characters');
    if (this.#checks.has(name)) throw new RangeError(`readiness check ${JSON.stringify(name)} is already registered`);
  }
}
