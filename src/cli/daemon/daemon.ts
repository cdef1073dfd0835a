// The composition of `katzenbridge run` (DESIGN.md §1): each step is a small function in its own
// module; this file only orders them and registers each one's stop with the shutdown plan, so a
// stop runs in reverse: stop being ready, drain the core's deliveries, stop the frontends, stop the
// engine's reads, thin_close the daemon session (and the embedded emulator), close the store.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BridgeCore, EngineGroupSide } from '../../bridge/index.js';
import type { Config } from '../../config/index.js';
import { openStore } from '../../store/index.js';
import type { DaemonLogger } from './daemon-logger.js';
import { startFrontends } from './frontends.js';
import { createEngine } from './group-engine.js';
import { startHealthServer } from './health-server.js';
import { connectKatzenpost, type EmulatorProfile } from './katzenpost.js';
import { planReload, type ReloadPlan } from './reload.js';
import { ShutdownPlan, type ShutdownReport } from './shutdown.js';

export interface DaemonOptions {
  readonly log: DaemonLogger;
  /** false: no Matrix appservice (an IRC-only bridge). */
  readonly matrix: boolean;
  readonly emulatorProfile: EmulatorProfile;
  readonly shutdownBoundMs?: number;
}

export interface Daemon {
  /** What was started, one line, no secrets. */
  readonly summary: string;
  /** The address /health and /ready answer on, when metrics.enabled. */
  readonly httpAddress: string | undefined;
  stop(reason: string): Promise<ShutdownReport>;
  /** Applies what can change safely from `next` and returns what it did and did not apply. */
  reload(next: Config): ReloadPlan;
}

export async function startDaemon(config: Config, o: DaemonOptions): Promise<Daemon> {
  const { log } = o;
  const plan = new ShutdownPlan(log, o.shutdownBoundMs);
  try {
    const stateDir = dirname(config.store.path);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });

    const http = config.metrics.enabled ? await startHealthServer(config.metrics.listen) : undefined;
    if (http) plan.add('http', () => http.close());

    const store = await openStore({ databasePath: config.store.path, keyFile: config.secrets.key_file });
    plan.add('store', () => store.close());
    if (store.migration.applied.length > 0) log.log('info', 'store.migrated', { from: store.migration.from, to: store.migration.to, applied: store.migration.applied.length });

    const kp = await connectKatzenpost({ config: config.katzenpost, stateDir, emulatorProfile: o.emulatorProfile, log });
    plan.add('katzenpost', () => kp.close());

    const { engine, setDeliver } = createEngine(kp.port, stateDir, log);
    const core = new BridgeCore({ db: store.db, secrets: store.secrets, group: new EngineGroupSide(engine), config: config.bridge, log });
    setDeliver((e) => core.groupEvent(e));
    await engine.start();
    plan.add('groupchat', () => engine.stop());

    const frontends = await startFrontends({ config, core, db: store.db, log, matrix: o.matrix });
    frontends.forEach((f, i) => plan.add(`frontend ${i + 1}`, () => f.stop()));

    await core.start();
    plan.add('bridge', () => core.stop());
    http?.setReady(true);

    let running = config;
    const summary = [
      `katzenpost: ${kp.description}`,
      `groups: ${engine.groupIds().length}`,
      `frontends: ${frontends.length ? frontends.map((f) => f.description).join(', ') : 'none'}`,
      `store: ${config.store.path}`,
      `http: ${http ? `${http.address} (/health, /ready)` : 'off'}`,
    ].join('; ');
    return {
      summary,
      httpAddress: http?.address,
      stop(reason) {
        http?.setReady(false);
        return plan.run(reason);
      },
      reload(next) {
        const p = planReload(running, next);
        if (p.apply.length > 0) {
          log.reconfigure(next.logging.level, next.logging.json);
          running = { ...running, logging: next.logging };
        }
        return p;
      },
    };
  } catch (e) {
    await plan.run('start failed');
    throw e;
  }
}
