// The composition of `katzenbridge run` (DESIGN.md §1): each step is a small function in its own
// module; this file orders them and returns their stops in the order a clean shutdown runs them:
// drain the core's deliveries, stop the frontends, stop the engine's reads, thin_close the daemon
// session (and the embedded emulator), close the store, and last the /health /ready server.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BridgeCore, EngineGroupSide } from '../../bridge/index.js';
import type { Config } from '../../config/index.js';
import { ObservabilityServer, type BridgeMetrics, type Logger, type Readiness, type Registry } from '../../observability/index.js';
import { openStore } from '../../store/index.js';
import { startFrontends } from './frontends.js';
import { createEngine } from './group-engine.js';
import { connectKatzenpost, type EmulatorProfile } from './katzenpost.js';
import { meterDaemonSession, meterPortals, meterReads, meterStartTime } from './metrics-wiring.js';
import { followDaemonSendRate } from './read-rate.js';

export interface DaemonOptions {
  readonly log: Logger;
  readonly readiness: Readiness;
  readonly registry: Registry;
  /** The metric set on `registry` (observability defineMetrics). */
  readonly metrics: BridgeMetrics;
  /** false: no Matrix appservice (an IRC-only bridge). */
  readonly matrix: boolean;
  readonly emulatorProfile: EmulatorProfile;
  readonly ircAdminHostmasks?: Readonly<Record<string, readonly string[]>>;
}

export interface StopStep {
  readonly name: string;
  stop(): Promise<void>;
}

export interface StartedDaemon {
  /** What was started, one line, no secrets. */
  readonly summary: string;
  /** In the order to run them. */
  readonly stops: readonly StopStep[];
}

export async function startDaemon(config: Config, o: DaemonOptions): Promise<StartedDaemon> {
  const { log } = o;
  const started: StopStep[] = [];
  const step = (name: string, stop: () => Promise<void>): void => void started.push({ name, stop });
  try {
    const stateDir = dirname(config.store.path);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const up = o.readiness.flag('started');
    meterStartTime(o.metrics);

    // First, so /health answers (and /ready says "starting") while the rest comes up.
    const http = config.metrics.enabled
      ? await ObservabilityServer.start({ listen: config.metrics.listen, registry: o.registry, readiness: o.readiness, log })
      : undefined;
    if (http) step('http', () => http.close());

    const store = await openStore({ databasePath: config.store.path, keyFile: config.secrets.key_file });
    step('store', () => store.close());
    if (store.migration.applied.length > 0) log.info('store.migrated', { from: store.migration.from, to: store.migration.to });

    const kp = await connectKatzenpost({ config: config.katzenpost, stateDir, emulatorProfile: o.emulatorProfile, log });
    step('katzenpost', () => kp.close());
    o.readiness.probe('katzenpost', () => kp.client.state === 'connected');
    meterDaemonSession(kp.client, o.metrics);

    const { engine, setDeliver } = await createEngine(meterReads(kp.port, o.metrics), store.db, store.secrets, stateDir, log);
    followDaemonSendRate(kp.client, engine, engine.scheduler.policy.config.readsPerSecond, log);
    const core = new BridgeCore({ db: store.db, secrets: store.secrets, group: new EngineGroupSide(engine), config: config.bridge, log, metrics: o.metrics });
    setDeliver((e) => core.groupEvent(e));
    await engine.start();
    step('groupchat', () => engine.stop());

    const frontends = await startFrontends({ config, core, db: store.db, secrets: store.secrets, stateDir, log, matrix: o.matrix, ...(o.ircAdminHostmasks ? { ircAdminHostmasks: o.ircAdminHostmasks } : {}) });
    for (const f of frontends) step(`frontend ${f.name}`, () => f.stop());

    await core.start();
    step('deliveries', () => core.stop());
    await meterPortals(core, o.metrics, o.registry);
    up.ready();

    const summary = [
      `katzenpost: ${kp.description}`,
      `groups: ${engine.groupIds().length}`,
      `frontends: ${frontends.length ? frontends.map((f) => f.description).join(', ') : 'none'}`,
      `store: ${config.store.path}`,
      `http: ${http ? `${http.url} (/health, /ready, /metrics)` : 'off'}`,
    ].join('; ');
    return { summary, stops: started.reverse() };
  } catch (e) {
    for (const s of started.reverse()) await s.stop().catch((err: unknown) => log.warn('start.cleanup_failed', { step: s.name, err }));
    throw e;
  }
}
