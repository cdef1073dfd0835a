// Clean stop (DESIGN.md §5, issue 8 "SIGTERM drains in-flight deliveries and closes sessions
// within a bound"): the steps registered at start run in reverse order, each given what is left of
// one overall deadline, so a hung step cannot keep the daemon past systemd's TimeoutStopSec (30 s).
// SEAM: src/observability's Shutdown coordinator replaces this once committed.
import type { BridgeLogger } from '../../bridge/index.js';

/** Under systemd's TimeoutStopSec=30 with room for the process to exit. */
export const SHUTDOWN_BOUND_MS = 20_000;

export interface StopStep {
  readonly name: string;
  stop(): Promise<void>;
}

export interface ShutdownReport {
  readonly clean: boolean;
  /** Steps that failed or ran out of time, by name. */
  readonly problems: readonly string[];
  readonly elapsedMs: number;
}

export class ShutdownPlan {
  private readonly steps: StopStep[] = [];
  private running: Promise<ShutdownReport> | undefined;

  constructor(
    private readonly log: BridgeLogger,
    private readonly boundMs = SHUTDOWN_BOUND_MS,
  ) {}

  /** Registered in start order; stopped in reverse. */
  add(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  /** Runs once; later calls get the same result. */
  run(reason: string): Promise<ShutdownReport> {
    this.running ??= this.execute(reason);
    return this.running;
  }

  private async execute(reason: string): Promise<ShutdownReport> {
    const started = Date.now();
    const deadline = started + this.boundMs;
    const problems: string[] = [];
    this.log.log('info', 'shutdown.begin', { reason, steps: this.steps.length, bound_ms: this.boundMs });
    for (const step of [...this.steps].reverse()) {
      const left = deadline - Date.now();
      const outcome = left <= 0 ? 'timeout' : await withinMs(step.stop(), left);
      if (outcome !== 'ok') {
        problems.push(step.name);
        this.log.log('warn', 'shutdown.step_failed', { step: step.name, outcome });
      } else {
        this.log.log('debug', 'shutdown.step_done', { step: step.name });
      }
    }
    const report = { clean: problems.length === 0, problems, elapsedMs: Date.now() - started };
    this.log.log(report.clean ? 'info' : 'warn', 'shutdown.done', { clean: report.clean, elapsed_ms: report.elapsedMs, ...(report.clean ? {} : { failed: problems.join(',') }) });
    return report;
  }
}

async function withinMs(p: Promise<void>, ms: number): Promise<'ok' | 'timeout' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p.then(() => 'ok' as const, () => 'error' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
