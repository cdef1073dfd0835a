// Public surface of src/observability (STYLE.md §2): structured logs that never print secrets,
// Prometheus metrics, the /metrics /health /ready server and the SIGTERM/SIGHUP lifecycle.
// May import only src/ids and src/config; the bridge, frontends and cli import this file.
export {
  KnownSecrets,
  MAX_SHOWN_BYTES,
  MIN_KNOWN_SECRET_BYTES,
  MIN_BASE64_RUN,
  MIN_HEX_RUN,
  REDACTED,
  isSecretKey,
  redact,
  redactFields,
  redactText,
  type Plain,
} from './redact.js';
export {
  LOG_LEVELS,
  Logger,
  SILENT_LOGGER,
  STDERR_SINK,
  describeError,
  type LogFieldsInput,
  type LogLevel,
  type LogSink,
  type LoggerOptions,
} from './logger.js';
export {
  Counter,
  DEFAULT_BUCKETS,
  EXPOSITION_CONTENT_TYPE,
  Gauge,
  Histogram,
  MAX_SERIES_PER_METRIC,
  Registry,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  type HistogramOptions,
  type LabelValue,
  type Labels,
  type MetricOptions,
} from './registry.js';
export {
  DELIVERY_LATENCY_BUCKETS,
  defaultRegistry,
  defineMetrics,
  metrics,
  type BridgeMetrics,
  type Direction,
  type ReadResult,
} from './metrics.js';
export { PROBE_TIMEOUT_MS, Readiness, type CheckStatus, type Probe, type ReadinessFlag, type ReadinessReport } from './readiness.js';
export { ObservabilityServer, type ObservabilityServerOptions } from './http-server.js';
export {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  EXIT_CLEAN,
  EXIT_UNCLEAN,
  PROCESS_SIGNALS,
  Shutdown,
  logCrashes,
  type CrashEvent,
  type CrashSource,
  type DrainStep,
  type LifecycleSignal,
  type ReloadCallback,
  type ReloadOutcome,
  type ShutdownOptions,
  type ShutdownReport,
  type SignalSource,
  type StepOutcome,
  type StepResult,
} from './shutdown.js';
export { LOGGING_RELOADABLE_KEYS, applyLoggingConfig, changedKeys, planReload, type ReloadPlan } from './reload.js';
export { startObservability, type Observability, type ObservabilityOptions } from './setup.js';
