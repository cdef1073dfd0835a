// One call that gives the daemon (`katzenbridge run`) its logger, metrics, readiness, HTTP server
// and lifecycle from the Config, so the composition root stays short (STYLE.md §7.1). Everything
// a test needs to replace (sink, signals, exit, crash events, port) can be passed in.
import { Secret, type Config } from '../config/index.js';
import { Logger, type LogSink } from './logger.js';
import { defaultRegistry, metrics as defaultMetrics, type BridgeMetrics } from './metrics.js';
import { ObservabilityServer } from './http-server.js';
import { Readiness } from './readiness.js';
import type { Registry } from './registry.js';
import { logCrashes, Shutdown, type CrashSource, type SignalSource } from './shutdown.js';

export interface ObservabilityOptions {
  readonly sink?: LogSink;
  readonly signals?: SignalSource;
  /** `false` leaves uncaught exceptions to Node (tests); default: logged and shut down. */
  readonly crashes?: CrashSource | false;
  readonly exit?: (code: number) => void;
  readonly shutdownTimeoutMs?: number;
  /** Defaults to the process-wide registry and metrics of metrics.ts. */
  readonly registry?: Registry;
  readonly metrics?: BridgeMetrics;
}

export interface Observability {
  readonly log: Logger;
  readonly registry: Registry;
  readonly metrics: BridgeMetrics;
  readonly readiness: Readiness;
  readonly shutdown: Shutdown;
  /** Absent when `metrics.enabled` is false. */
  readonly server: ObservabilityServer | undefined;
}

/** Every Secret in the config, wherever the schema puts it (tokens, IRC passwords). */
function* secretsIn(value: unknown, depth = 0): Generator<Secret> {
  if (value instanceof Secret) yield value;
  else if (typeof value === 'object' && value !== null && depth < 8) {
    for (const v of Object.values(value)) yield* secretsIn(v, depth + 1);
  }
}

/**
 * Creates the logger from `logging.*` (with every config secret on its scrub list), starts the
 * HTTP server on `metrics.listen` when `metrics.enabled`, and installs the SIGTERM/SIGINT/SIGHUP
 * and crash handlers. The server is closed as the last shutdown step, so /ready keeps answering
 * (503 "not shutting down") while deliveries drain.
 */
export async function startObservability(config: Config, options: ObservabilityOptions = {}): Promise<Observability> {
  const log = Logger.create({ level: config.logging.level, json: config.logging.json, ...(options.sink ? { sink: options.sink } : {}) });
  // Too-short values are skipped by add(); the key-name rule still hides them in fields.
  for (const secret of secretsIn(config)) log.knownSecrets.add(secret.reveal());
  const registry = options.registry ?? defaultRegistry;
  const metrics = options.metrics ?? defaultMetrics;
  const readiness = new Readiness(log.knownSecrets);
  const shutdown = new Shutdown({
    log: log.child({ component: 'lifecycle' }),
    ...(options.shutdownTimeoutMs !== undefined ? { timeoutMs: options.shutdownTimeoutMs } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.exit ? { exit: options.exit } : {}),
  });
  readiness.probe('not shutting down', () => !shutdown.stopping);
  let server: ObservabilityServer | undefined;
  if (config.metrics.enabled) {
    server = await ObservabilityServer.start({ listen: config.metrics.listen, registry, readiness, log: log.child({ component: 'observability' }) });
    const s = server;
    shutdown.addFinal('close metrics server', () => s.close());
  }
  shutdown.install();
  if (options.crashes !== false) logCrashes(shutdown, log, options.crashes ?? process);
  return { log, registry, metrics, readiness, shutdown, server };
}
