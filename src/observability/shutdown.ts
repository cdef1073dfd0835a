// Process lifecycle (issue 8 "Lifecycle"; DESIGN.md §5 "clean shutdown on SIGTERM that finishes
// in-flight deliveries"). On SIGTERM/SIGINT the registered drain steps run one after another, in
// the order they were added, under one overall time bound; whatever is still running at the bound
// is abandoned (its AbortSignal fires), the rest are skipped, and the process exits: 0 if every
// step finished, 1 otherwise. A second signal while draining exits at once. On SIGHUP the reload
// callback runs and the keys it applied are logged. Nothing is installed at import time: the daemon
// calls install(), tests pass their own SignalSource and exit function.
import type { Logger } from './logger.js';

/** systemd/katzenbridge.service has TimeoutStopSec=30; stop well before systemd's SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;
export const EXIT_CLEAN = 0;
export const EXIT_UNCLEAN = 1;

export type LifecycleSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';
const SIGNALS: readonly LifecycleSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Where signals come from; `PROCESS_SIGNALS` in the daemon, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: LifecycleSignal, handler: () => void): unknown;
  off(signal: LifecycleSignal, handler: () => void): unknown;
}

export const PROCESS_SIGNALS: SignalSource = {
  on: (signal, handler) => process.on(signal, handler),
  off: (signal, handler) => process.off(signal, handler),
};

/** One drain step. It should stop early when `signal` aborts (the bound was reached). */
export type DrainStep = (signal: AbortSignal) => void | Promise<void>;

/** What a reload did, by dotted config key (`logging.level`); values are never logged. */
export interface ReloadOutcome {
  readonly applied: readonly string[];
  /** Keys that changed but only take effect after a restart. */
  readonly needsRestart?: readonly string[];
}
export type ReloadCallback = () => ReloadOutcome | Promise<ReloadOutcome>;

export type StepOutcome = 'done' | 'failed' | 'timed_out' | 'skipped';
export interface StepResult {
  readonly name: string;
  readonly outcome: StepOutcome;
}
export interface ShutdownReport {
  readonly reason: string;
  readonly steps: readonly StepResult[];
  readonly exitCode: number;
}

export interface ShutdownOptions {
  readonly log: Logger;
  /** Overall bound for all drain steps together. */
  readonly timeoutMs?: number;
  readonly signals?: SignalSource;
  /** Called once at the end with the exit code; `process.exit` in the daemon. */
  readonly exit?: (code: number) => void;
}

export class Shutdown {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #signals: SignalSource;
  readonly #exit: (code: number) => void;
  readonly #steps: Array<{ name: string; step: DrainStep }> = [];
  readonly #finals: Array<{ name: string; step: DrainStep }> = [];
  #reload: ReloadCallback | undefined;
  #reloading: Promise<unknown> = Promise.resolve();
  #running: Promise<ShutdownReport> | undefined;
  #installed = false;

  constructor(options: ShutdownOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`Shutdown timeoutMs: expected a positive number of ms, got ${timeoutMs}`);
    this.#log = options.log;
    this.#timeoutMs = timeoutMs;
    this.#signals = options.signals ?? PROCESS_SIGNALS;
    this.#exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Adds a step; steps run in the order added (stop intake before draining, close the store last). */
  addDrain(name: string, step: DrainStep): void {
    if (typeof step !== 'function') throw new TypeError(`drain step ${JSON.stringify(name)}: expected a function`);
    if (this.#running) throw new Error(`drain step ${JSON.stringify(name)} added while shutting down`);
    this.#steps.push({ name, step });
  }

  /** Adds a step that runs after every drain step, whenever it was added (the /metrics server, so /ready is answered while draining). */
  addFinal(name: string, step: DrainStep): void {
    if (typeof step !== 'function') throw new TypeError(`final step ${JSON.stringify(name)}: expected a function`);
    if (this.#running) throw new Error(`final step ${JSON.stringify(name)} added while shutting down`);
    this.#finals.push({ name, step });
  }

  /** Sets what SIGHUP does; without one, SIGHUP is logged and ignored. */
  onReload(callback: ReloadCallback): void {
    this.#reload = callback;
  }

  get stopping(): boolean {
    return this.#running !== undefined;
  }

  /** Starts listening for SIGTERM, SIGINT and SIGHUP. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    for (const s of SIGNALS) this.#signals.on(s, this.#handlers[s]);
  }

  uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    for (const s of SIGNALS) this.#signals.off(s, this.#handlers[s]);
  }

  readonly #handlers: Record<LifecycleSignal, () => void> = {
    SIGTERM: () => this.#onStopSignal('SIGTERM'),
    SIGINT: () => this.#onStopSignal('SIGINT'),
    SIGHUP: () => void this.reload(),
  };

  #onStopSignal(signal: LifecycleSignal): void {
    if (this.#running) {
      this.#log.warn('shutdown.forced', { signal, note: 'second stop signal while draining; exiting now' });
      this.#exit(EXIT_UNCLEAN);
      return;
    }
    void this.shutdown(signal);
  }

  /**
   * Runs the drain steps and exits. Calling it again returns the same run. `exitCode` is the least
   * code to exit with (a crash passes EXIT_UNCLEAN so systemd's Restart=on-failure restarts us).
   */
  shutdown(reason: string, options: { readonly exitCode?: number } = {}): Promise<ShutdownReport> {
    this.#running ??= this.#drain(reason, options.exitCode ?? EXIT_CLEAN);
    return this.#running;
  }

  async #drain(reason: string, leastExitCode: number): Promise<ShutdownReport> {
    const steps = [...this.#steps, ...this.#finals];
    this.#log.info('shutdown.started', { reason, steps: steps.map((s) => s.name), timeoutMs: this.#timeoutMs });
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => {
        abort.abort(new Error(`shutdown bound of ${this.#timeoutMs} ms reached`));
        resolve('bound');
      }, this.#timeoutMs);
    });
    const results: StepResult[] = [];
    for (const { name, step } of steps) {
      if (abort.signal.aborted) {
        results.push({ name, outcome: 'skipped' });
        continue;
      }
      const started = performance.now();
      try {
        const r = await Promise.race([Promise.resolve().then(() => step(abort.signal)).then(() => 'done' as const), bound]);
        const ms = Math.round(performance.now() - started);
        if (r === 'bound') {
          results.push({ name, outcome: 'timed_out' });
          this.#log.warn('shutdown.step_timed_out', { step: name, ms, timeoutMs: this.#timeoutMs });
        } else {
          results.push({ name, outcome: 'done' });
          this.#log.info('shutdown.step_done', { step: name, ms });
        }
      } catch (e) {
        // A failed step does not stop the others: closing the store matters even if a frontend threw.
        results.push({ name, outcome: abort.signal.aborted ? 'timed_out' : 'failed' });
        this.#log.error('shutdown.step_failed', { step: name, err: e });
      }
    }
    clearTimeout(timer);
    const skipped = results.filter((r) => r.outcome === 'skipped').map((r) => r.name);
    if (skipped.length > 0) this.#log.warn('shutdown.steps_skipped', { steps: skipped, timeoutMs: this.#timeoutMs });
    const exitCode = Math.max(leastExitCode, results.every((r) => r.outcome === 'done') ? EXIT_CLEAN : EXIT_UNCLEAN);
    this.#log.info('shutdown.finished', { reason, exitCode, outcomes: Object.fromEntries(results.map((r) => [r.name, r.outcome])) });
    this.uninstall();
    this.#exit(exitCode);
    return { reason, steps: results, exitCode };
  }

  /** Runs the reload callback (one at a time) and logs what it applied. Never throws. */
  reload(): Promise<ReloadOutcome | undefined> {
    const run = this.#reloading.then(() => this.#reloadOnce());
    this.#reloading = run;
    return run;
  }

  async #reloadOnce(): Promise<ReloadOutcome | undefined> {
    if (this.#running) {
      this.#log.info('reload.ignored', { why: 'shutting down' });
      return undefined;
    }
    if (!this.#reload) {
      this.#log.warn('reload.ignored', { why: 'nothing can be reloaded in this process' });
      return undefined;
    }
    try {
      const outcome = await this.#reload();
      const applied = [...outcome.applied];
      const needsRestart = [...(outcome.needsRestart ?? [])];
      this.#log.info(applied.length > 0 ? 'reload.applied' : 'reload.nothing_applied', { applied, needsRestart });
      if (needsRestart.length > 0) this.#log.warn('reload.needs_restart', { keys: needsRestart });
      return { applied, needsRestart };
    } catch (e) {
      this.#log.error('reload.failed', { err: e, note: 'the running configuration is unchanged' });
      return undefined;
    }
  }
}

export type CrashEvent = 'uncaughtException' | 'unhandledRejection';
/** `process` in the daemon; an EventEmitter in tests. */
export interface CrashSource {
  on(event: CrashEvent, handler: (error: unknown) => void): unknown;
  off(event: CrashEvent, handler: (error: unknown) => void): unknown;
}

/**
 * Logs an uncaught exception or unhandled rejection through the redacting logger (Node's default
 * handler prints the error with util.inspect: stack, every own property, token fields included),
 * then shuts down with exit code 1. Returns a function that removes the handlers.
 */
export function logCrashes(shutdown: Shutdown, log: Logger, source: CrashSource = process): () => void {
  const handlers = {
    uncaughtException: (e: unknown) => crashed('uncaughtException', e),
    unhandledRejection: (e: unknown) => crashed('unhandledRejection', e),
  };
  function crashed(kind: CrashEvent, e: unknown): void {
    log.error('process.crashed', { kind, err: e, stopping: shutdown.stopping });
    void shutdown.shutdown(kind, { exitCode: EXIT_UNCLEAN });
  }
  source.on('uncaughtException', handlers.uncaughtException);
  source.on('unhandledRejection', handlers.unhandledRejection);
  return () => {
    source.off('uncaughtException', handlers.uncaughtException);
    source.off('unhandledRejection', handlers.unhandledRejection);
  };
}
